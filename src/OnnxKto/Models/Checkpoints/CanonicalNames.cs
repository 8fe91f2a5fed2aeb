namespace OnnxKto.Models.Checkpoints;

/// <summary>
/// Hugging Face tensor names in the LM-head model's spelling (<c>transformer.h.0.ln_1.weight</c>,
/// <c>model.layers.0.self_attn.q_proj.weight</c>, <c>lm_head.weight</c>), whichever way a checkpoint spelled them.
/// </summary>
internal static class CanonicalNames
{
    public const string LmHead = "lm_head.weight";

    /// <summary>The base-model prefix: <c>transformer.</c> for GPT-2, <c>model.</c> for the Llama family.</summary>
    public static string Prefix(ModelFamily family) => family == ModelFamily.Gpt2 ? "transformer." : "model.";

    /// <summary>Name of the token embedding, which a tied output head reuses.</summary>
    public static string Embedding(ModelFamily family) =>
        family == ModelFamily.Gpt2 ? "transformer.wte.weight" : "model.embed_tokens.weight";

    /// <summary>
    /// The canonical name of <paramref name="stored"/>, or null for a buffer that is not a parameter:
    /// GPT-2's causal-mask buffers (<c>.attn.bias</c>, <c>.attn.masked_bias</c>) and rotary <c>inv_freq</c> tables.
    /// Base-model files (<c>h.0.ln_1.weight</c>, <c>layers.0...</c>) get the prefix added.
    /// </summary>
    public static string? Canonicalize(string stored, ModelFamily family)
    {
        string[] parts = stored.Split('.');
        bool buffer = family == ModelFamily.Gpt2
            ? parts.Length >= 2 && parts[^2] == "attn" && parts[^1] is "bias" or "masked_bias"
            : stored.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal);
        if (buffer)
            return null;
        string prefix = Prefix(family);
        return stored.StartsWith(prefix, StringComparison.Ordinal) || stored == LmHead ? stored : prefix + stored;
    }
}
