using OnnxKto.Data;

namespace OnnxKto.Cli.Demo;

/// <summary>
/// The four training sets the compared methods learn from, all made of the same labelled samples: all of them
/// (<c>kto.jsonl</c>), the desirable ones (<c>desirable.jsonl</c>), pairs of one desirable and one undesirable sample of
/// the same prompt with each sample in one pair at most (<c>pairs.jsonl</c>, TRL's prompt/chosen/rejected layout), and
/// all of them with every undesirable sample but only a random share of the desirable ones (<c>kto-imbalanced.jsonl</c>).
/// </summary>
internal static class PreferenceSets
{
    public const string Kto = "kto.jsonl", Desirable = "desirable.jsonl", Pairs = "pairs.jsonl", Imbalanced = "kto-imbalanced.jsonl";

    /// <summary>Writes the four files into <paramref name="folder"/>; <paramref name="desirableKept"/> of the desirable samples (rounded up) stay in the imbalanced set.</summary>
    public static PreferenceCounts Write(string folder, IReadOnlyList<LabelledSample> samples, double desirableKept, int seed)
    {
        WriteKto(Path.Combine(folder, Kto), samples);
        var desirable = samples.Where(s => s.Correct).ToArray();
        WriteKto(Path.Combine(folder, Desirable), desirable);

        var pairs = samples.GroupBy(s => s.Prompt)
            .SelectMany(p => p.Where(s => s.Correct).Zip(p.Where(s => !s.Correct), (chosen, rejected) => (p.Key, Chosen: chosen.Completion, Rejected: rejected.Completion)))
            .ToList();
        using (var lines = JsonLinesWriter.Create(Path.Combine(folder, Pairs)))
            foreach (var pair in pairs)
                lines.WriteObject(json =>
                {
                    json.WriteString("prompt", pair.Key);
                    json.WriteString("chosen", pair.Chosen);
                    json.WriteString("rejected", pair.Rejected);
                });

        // Identity, not value: the same completion sampled twice for a prompt is two samples, one of which may be dropped.
        var shuffled = desirable.ToArray();
        new Random(seed).Shuffle(shuffled);
        var kept = new HashSet<LabelledSample>(shuffled.Take((int)Math.Ceiling(desirableKept * shuffled.Length)), ReferenceEqualityComparer.Instance);
        WriteKto(Path.Combine(folder, Imbalanced), samples.Where(s => !s.Correct || kept.Contains(s)).ToList());

        return new PreferenceCounts(samples.Count, desirable.Length, pairs.Count, kept.Count);
    }

    /// <summary>A TRL-format dataset of (prompt, completion, label) rows, as <c>onnx-kto data unpair</c> writes them.</summary>
    public static void WriteKto(string path, IEnumerable<LabelledSample> samples) =>
        KtoJsonlWriter.Write(samples.Select((s, i) => new TextExample(s.Prompt, s.Completion, s.Correct, new RowLocation(path, i + 1, IsLine: true))), path);
}
