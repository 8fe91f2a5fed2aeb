using OnnxKto.Runtime;
using OnnxKto.Training.Batching;
using static OnnxKto.Training.Artifacts.ArtifactNames;

namespace OnnxKto.Training.Session;

/// <summary>A micro-batch's arrays as the tensors a graph reads, each a view over its host array, by input name.</summary>
internal static class SessionInputs
{
    /// <summary>The inputs of <paramref name="wanted"/> a micro-batch step feeds: sequences, labels, reference log-probs, the loss scale and the loop's scalars.</summary>
    /// <exception cref="ArgumentException">The graph reads KL sequences or reference log-probs that were not given.</exception>
    public static List<(string, DeviceTensor)> ForBatch(MicroBatch batch, float[]? referenceLogps, float[]? referenceKlLogps,
        IReadOnlyList<string> wanted, float lossScale, IReadOnlyDictionary<string, float[]> lossInputs)
    {
        var inputs = new List<(string, DeviceTensor)>();
        inputs.AddRange(Sequences(batch.Target, batch.Size, InputIds, AttentionMask, CompletionMask));
        if (wanted.Contains(KlInputIds))
            inputs.AddRange(Sequences(batch.Kl ?? throw new ArgumentException("This loss needs KL sequences."), batch.Size,
                KlInputIds, KlAttentionMask, KlCompletionMask));
        if (wanted.Contains(Label))
            inputs.Add((Label, DeviceTensor.OverHost(batch.Labels, batch.Size)));
        if (wanted.Contains(ReferenceLogps))
            inputs.Add((ReferenceLogps, DeviceTensor.OverHost(referenceLogps ?? throw new ArgumentException("This loss needs reference log-probs."), batch.Size)));
        if (wanted.Contains(ReferenceKlLogps))
            inputs.Add((ReferenceKlLogps, DeviceTensor.OverHost(referenceKlLogps ?? throw new ArgumentException("This loss needs reference KL log-probs."), batch.Size)));
        if (wanted.Contains(LossScale))
            inputs.Add((LossScale, DeviceTensor.OverHost(new[] { lossScale })));
        foreach (var name in wanted.Where(n => !inputs.Any(i => i.Item1 == n) && lossInputs.ContainsKey(n)))
            inputs.Add((name, DeviceTensor.OverHost(lossInputs[name])));
        return inputs;
    }

    /// <summary>Padded ids, attention mask and completion mask under the given input names.</summary>
    public static IEnumerable<(string, DeviceTensor)> Sequences(MicroBatch.Sequences s, int rows, string ids, string mask, string completion)
    {
        long[] shape = [rows, s.Length];
        yield return (ids, DeviceTensor.OverHost(s.Ids, shape));
        yield return (mask, DeviceTensor.OverHost(s.AttentionMask, shape));
        yield return (completion, DeviceTensor.OverHost(s.CompletionMask, shape));
    }

    /// <summary>Binds <paramref name="inputs"/> and the outputs to the host (but those <paramref name="boundElsewhere"/>), runs, and disposes the inputs.</summary>
    public static IReadOnlyDictionary<string, Graphs.TensorData> Run(BoundSession session, List<(string, DeviceTensor)> inputs, string what,
        Func<string, bool>? boundElsewhere = null)
    {
        try
        {
            foreach (var (name, value) in inputs) session.BindInput(name, value);
            foreach (var name in session.OutputNames.Where(n => boundElsewhere?.Invoke(n) != true)) session.BindOutputToHost(name);
            return session.Run(what);
        }
        finally
        {
            foreach (var (_, value) in inputs) value.Dispose();
        }
    }
}
