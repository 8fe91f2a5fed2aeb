using System.Security.Cryptography;
using OnnxKto.Data;
using OnnxKto.Graphs;
using OnnxKto.Models.Checkpoints;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Session;

namespace OnnxKto.Training.Loop;

/// <summary>
/// The frozen reference model's log-probs for every target sequence and every KL pair a run will use, computed in
/// one pass before training (<c>precompute_ref_log_probs</c>) and cached beside the run, keyed by the model, the
/// data and the length settings.
/// </summary>
internal sealed class ReferenceLogProbs
{
    private readonly float[] _target;
    private readonly Dictionary<(int Prompt, int Completion), float> _kl;

    private ReferenceLogProbs(float[] target, Dictionary<(int, int), float> kl)
    {
        _target = target;
        _kl = kl;
    }

    /// <summary>Reference log-probs of a micro-batch's target rows.</summary>
    public float[] Target(MicroBatch batch) => batch.Examples.Select(i => _target[i]).ToArray();

    /// <summary>Reference log-probs of a micro-batch's KL rows (prompt i with its neighbour's completion).</summary>
    public float[] Kl(MicroBatch batch) => batch.Examples.Select((i, row) => _kl[(i, batch.KlCompletionSources[row])]).ToArray();

    /// <summary>Reference log-probs of KL rows given as (prompt example, completion example) pairs.</summary>
    public float[] Kl(IEnumerable<(int Prompt, int Completion)> pairs) => pairs.Select(p => _kl[p]).ToArray();

    /// <summary>Loads the cache at <paramref name="cachePath"/> when its key matches, else computes and saves it (null: computes, no cache).</summary>
    public static ReferenceLogProbs LoadOrCompute(TrainingSession session, IReadOnlyList<TokenizedExample> data,
        IEnumerable<(int Prompt, int Completion)> klPairs, int rows, int padId, int? maxLength, string? cachePath, Action<string> log)
    {
        var pairs = klPairs.Distinct().OrderBy(p => p.Prompt).ThenBy(p => p.Completion).ToArray();
        var key = CacheKey(session.Manifest.ModelFingerprint, data, pairs, maxLength);
        if (cachePath is not null && File.Exists(cachePath))
        {
            using var file = SafetensorsFile.Open(cachePath);
            if (file.Metadata.TryGetValue("key", out var stored) && stored == key)
            {
                log($"reference log-probs: reusing {cachePath}");
                var kl = file.Read("kl").ToFloats();
                var saved = file.Read("kl_pairs").ToLongs();
                return new ReferenceLogProbs(file.Read("target").ToFloats(),
                    Enumerable.Range(0, kl.Length).ToDictionary(i => ((int)saved[2 * i], (int)saved[2 * i + 1]), i => kl[i]));
            }
        }
        var result = Compute(session, data, pairs, rows, padId, maxLength, log);
        if (cachePath is null) return result;
        SafetensorsWriter.Write(cachePath, new Dictionary<string, TensorData>
        {
            ["target"] = TensorData.FromFloats([data.Count], result._target),
            ["kl_pairs"] = TensorData.FromLongs([pairs.Length, 2], pairs.SelectMany(p => new long[] { p.Prompt, p.Completion }).ToArray()),
            ["kl"] = TensorData.FromFloats([pairs.Length], pairs.Select(p => result._kl[p]).ToArray()),
        }, new Dictionary<string, string> { ["key"] = key });
        return result;
    }

    /// <summary>One reference pass over all targets and pairs, in length-sorted chunks to limit padding.</summary>
    private static ReferenceLogProbs Compute(TrainingSession session, IReadOnlyList<TokenizedExample> data,
        (int Prompt, int Completion)[] pairs, int rows, int padId, int? maxLength, Action<string> log)
    {
        var targetRows = Enumerable.Range(0, data.Count).OrderBy(i => data[i].PromptIds.Length + data[i].CompletionIds.Length)
            .Select(i => (Key: i, Seq: (data[i].PromptIds, data[i].CompletionIds))).ToArray();
        var klRows = pairs.Select((p, k) => (Key: k, Seq: MicroBatch.KlPair(data, p.Prompt, p.Completion, maxLength)))
            .OrderBy(r => r.Seq.Item1.Length + r.Seq.Item2.Length).ToArray();
        var target = new float[data.Count];
        var kl = new float[pairs.Length];
        int chunks = (Math.Max(targetRows.Length, klRows.Length) + rows - 1) / rows;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int c = 0; c < chunks; c++)
        {
            // Both halves of the reference graph run together; an exhausted half is filled with a row whose result is dropped.
            var t = Take(targetRows, c, rows);
            var k = Take(klRows, c, rows);
            int n = Math.Max(t.Length, k.Length);
            var filler = targetRows[0].Seq;
            var (tv, kv) = session.ComputeReferenceLogps(MicroBatch.Pad(Fill(t, n, filler), padId), MicroBatch.Pad(Fill(k, n, filler), padId), n);
            for (int i = 0; i < t.Length; i++) target[targetRows[c * rows + i].Key] = tv[i];
            for (int i = 0; i < k.Length; i++) kl[klRows[c * rows + i].Key] = kv[i];
            if ((c + 1) % 20 == 0 || c + 1 == chunks)
                log($"reference log-probs: {c + 1}/{chunks} chunks ({clock.Elapsed.TotalSeconds:F0}s)");
        }
        return new ReferenceLogProbs(target, Enumerable.Range(0, pairs.Length).ToDictionary(i => pairs[i], i => kl[i]));
    }

    private static (int[], int[])[] Take((int Key, (int[], int[]) Seq)[] rows, int chunk, int size) =>
        rows.Skip(chunk * size).Take(size).Select(r => r.Seq).ToArray();

    private static List<(int[], int[])> Fill((int[], int[])[] part, int n, (int[], int[]) filler) =>
        part.Concat(Enumerable.Repeat(filler, n - part.Length)).ToList();

    private static string CacheKey(string modelFingerprint, IReadOnlyList<TokenizedExample> data, (int, int)[] pairs, int? maxLength)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(IEnumerable<int> values) => hash.AppendData(values.SelectMany(BitConverter.GetBytes).ToArray());
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes(modelFingerprint));
        Add([maxLength ?? 0, data.Count, pairs.Length]);
        foreach (var e in data) { Add([e.PromptIds.Length]); Add(e.PromptIds); Add([e.CompletionIds.Length]); Add(e.CompletionIds); }
        foreach (var (p, c) in pairs) Add([p, c]);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
