namespace OnnxKto.Models;

/// <summary>RMSNorm of queries and keys after their projections, before rotary embeddings.</summary>
public enum QkNorm
{
    /// <summary>None (Llama, Mistral, Qwen2).</summary>
    None,

    /// <summary>Over each head's head_dim values with one head_dim weight shared by all heads (Qwen3's <c>q_norm</c>, <c>k_norm</c>).</summary>
    PerHead,

    /// <summary>Over the whole projection, heads·head_dim values and weights (OLMo 2's <c>q_norm</c>, <c>k_norm</c>).</summary>
    Projection,
}
