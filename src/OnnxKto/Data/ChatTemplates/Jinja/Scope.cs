namespace OnnxKto.Data.ChatTemplates.Jinja;

/// <summary>
/// Variables visible at one point of a render. Jinja gives each for-loop iteration and each macro call a fresh scope
/// whose assignments vanish when it ends (hence <c>namespace</c>); <c>if</c> blocks share their enclosing scope.
/// </summary>
/// <param name="parent">The enclosing scope, or null for the globals.</param>
internal sealed class Scope(Scope? parent)
{
    private readonly Dictionary<string, object?> _vars = [];

    /// <summary>The value of <paramref name="name"/> here or in an enclosing scope.</summary>
    public bool TryGet(string name, out object? value)
    {
        for (var s = this; s is not null; s = s.Parent)
            if (s._vars.TryGetValue(name, out value)) return true;
        value = null;
        return false;
    }

    /// <summary>Assigns <paramref name="name"/> in this scope.</summary>
    public void Set(string name, object? value) => _vars[name] = value;

    /// <summary>The enclosing scope.</summary>
    public Scope? Parent { get; } = parent;
}
