namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>A <c>tokenizer.json</c> model: turns one pre-tokenized word into ids (BPE or Unigram).</summary>
internal abstract class WordModel
{
    /// <summary>Appends the ids of <paramref name="word"/> to <paramref name="ids"/>.</summary>
    public abstract void Encode(string word, List<int> ids);

    /// <summary>Token text of each id the model knows.</summary>
    public abstract IReadOnlyDictionary<string, int> Vocab { get; }

    /// <exception cref="NotSupportedException">A model type or setting this reader does not run, named.</exception>
    public static WordModel Read(JsonFields model) => model.OptionalString("type") switch
    {
        "BPE" => BpeModel.Read(model),
        "Unigram" => UnigramModel.Read(model),
        // Older files leave the type out of BPE models.
        null when model.Has("merges") => BpeModel.Read(model),
        _ => throw PipelineJson.Unsupported(model, "model", "BPE, Unigram"),
    };

    /// <summary>The byte-fallback tokens <c>&lt;0xNN&gt;</c> of <paramref name="text"/>'s UTF-8 bytes, or null when the vocabulary lacks one.</summary>
    protected static int[]? ByteTokens(string text, IReadOnlyDictionary<string, int> vocab)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        var ids = new int[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
            if (!vocab.TryGetValue($"<0x{bytes[i]:X2}>", out ids[i])) return null;
        return ids;
    }
}
