namespace OnnxKto.Models;

/// <summary>Where a decoder layer normalises around its attention and MLP blocks.</summary>
public enum NormPlacement
{
    /// <summary>
    /// Before each block (Llama): x + attn(input_layernorm(x)), then x + mlp(post_attention_layernorm(x)).
    /// </summary>
    Pre,

    /// <summary>
    /// After each block (OLMo 2): x + post_attention_layernorm(attn(x)), then x + post_feedforward_layernorm(mlp(x)).
    /// </summary>
    Post,
}
