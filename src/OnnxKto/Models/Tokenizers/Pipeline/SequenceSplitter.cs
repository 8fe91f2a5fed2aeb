namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>Pre-tokenizers applied in order, each to every word the previous one made.</summary>
internal sealed class SequenceSplitter(WordSplitter[] stages) : WordSplitter
{
    public override List<string> Split(string piece, bool atStart)
    {
        var words = new List<(string Text, bool AtStart)> { (piece, atStart) };
        foreach (var stage in stages)
            words = words.SelectMany(w => stage.Split(w.Text, w.AtStart).Select((t, i) => (t, w.AtStart && i == 0))).ToList();
        return words.Select(w => w.Text).ToList();
    }
}
