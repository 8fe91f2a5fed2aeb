namespace OnnxKto.Data.ChatTemplates.Jinja;

/// <summary>Jinja's <c>namespace(...)</c>: an object whose attributes <c>{% set ns.x = ... %}</c> may change from any scope.</summary>
internal sealed class Namespace
{
    /// <summary>The attributes, in the order they were first set.</summary>
    public Dictionary<string, object?> Attributes { get; } = [];
}
