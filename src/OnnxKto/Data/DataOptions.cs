namespace OnnxKto.Data;

/// <summary>
/// How a KTO dataset is read and shaped: the data part of the training config. Property names follow TRL's
/// <c>KTOConfig</c> keys (in brackets) so TRL users can paste their values; <c>chat_template</c> and
/// <c>skip_invalid</c> are OnnxKto additions.
/// </summary>
public sealed record DataOptions
{
    /// <summary>
    /// [<c>max_length</c>] Longest prompt+completion in tokens, e.g. <c>1024</c> (TRL's default). Longer rows keep their
    /// start (right truncation); rows whose prompt alone reaches it are dropped. <c>null</c>: no limit.
    /// </summary>
    public int? MaxLength { get; init; } = 1024;

    /// <summary>
    /// [<c>max_prompt_length</c>] Optional, e.g. <c>512</c>: when prompt+completion is longer than
    /// <see cref="MaxLength"/>, prompts longer than this keep their last tokens first (classic TRL, keep_end).
    /// </summary>
    public int? MaxPromptLength { get; init; }

    /// <summary>
    /// [<c>chat_template</c>] Built-in template for conversational rows: <c>chatml</c>, <c>llama3</c>, <c>zephyr</c> or
    /// <c>mistral</c>. <c>null</c>: the model folder's own Jinja template (<c>chat_template.jinja</c> or the
    /// <c>chat_template</c> of <c>tokenizer_config.json</c>).
    /// </summary>
    public string? ChatTemplate { get; init; }

    /// <summary>
    /// [<c>chat_template_kwargs</c>] Extra variables for the model folder's Jinja chat template, as transformers'
    /// <c>apply_chat_template(**kwargs)</c>, e.g. <c>{enable_thinking: false}</c> for Qwen3. Empty: none.
    /// </summary>
    public ChatTemplateKwargs ChatTemplateKwargs { get; init; } = ChatTemplateKwargs.None;

    /// <summary>
    /// [<c>seed</c>] Seed of the shuffle that follows unpairing, e.g. <c>42</c> (TRL's default); training also seeds its
    /// data order, KL pairing and preset initialisation with it.
    /// </summary>
    public int Seed { get; init; } = 42;

    /// <summary>[<c>skip_invalid</c>] Skip (and count) bad rows instead of stopping at the first one (also <c>--skip-invalid</c>).</summary>
    public bool SkipInvalid { get; init; }

    /// <summary>Checks that the limits make sense together.</summary>
    /// <exception cref="UserError">A limit is not positive, or max_prompt_length is not below max_length.</exception>
    public void Validate()
    {
        if (MaxLength is <= 0) throw new UserError($"max_length must be positive, got {MaxLength}.");
        if (MaxPromptLength is <= 0) throw new UserError($"max_prompt_length must be positive, got {MaxPromptLength}.");
        if (MaxLength is { } max && MaxPromptLength is { } prompt && prompt >= max)
            throw new UserError($"max_prompt_length ({prompt}) must be smaller than max_length ({max}) so completions keep some tokens.");
    }
}
