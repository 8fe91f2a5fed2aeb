namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>Where Metaspace puts its ▁ in front: every piece, the input's first, or none.</summary>
internal enum PrependScheme { Always, First, Never }

/// <summary>Reading <c>prepend_scheme</c> (or the older <c>add_prefix_space</c>) of a Metaspace component.</summary>
internal static class PrependSchemes
{
    public static PrependScheme Read(JsonFields part) => part.OptionalString("prepend_scheme") switch
    {
        "always" => PrependScheme.Always,
        "first" => PrependScheme.First,
        "never" => PrependScheme.Never,
        null => (part.OptionalBool("add_prefix_space") ?? true) ? PrependScheme.Always : PrependScheme.Never,
        var other => throw new NotSupportedException($"{part.Source}: prepend_scheme '{other}' is not one of always, first, never."),
    };
}
