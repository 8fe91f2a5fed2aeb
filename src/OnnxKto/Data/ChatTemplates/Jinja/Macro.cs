using System.Text;

namespace OnnxKto.Data.ChatTemplates.Jinja;

/// <summary>A template macro: calling it renders its body, with its parameters bound in a fresh scope, to a string.</summary>
internal sealed class Macro(MacroStmt definition, Scope closure, Renderer renderer) : ICallable
{
    /// <inheritdoc/>
    public object? Call(IReadOnlyList<object?> args, IReadOnlyList<KeyValuePair<string, object?>> kwargs)
    {
        var parameters = definition.Parameters;
        if (args.Count > parameters.Count)
            throw new RenderError($"TypeError: macro '{definition.Name}' takes not more than {parameters.Count} argument(s)");
        var scope = new Scope(closure);
        var bound = new bool[parameters.Count];
        for (int i = 0; i < args.Count; i++)
        {
            scope.Set(parameters[i].Name, args[i]);
            bound[i] = true;
        }
        foreach (var (key, value) in kwargs)
        {
            int i = parameters.ToList().FindIndex(p => p.Name == key);
            if (i < 0) throw new RenderError($"TypeError: macro '{definition.Name}' takes no keyword argument '{key}'");
            if (bound[i]) throw new RenderError($"TypeError: macro '{definition.Name}' got multiple values for argument '{key}'");
            scope.Set(key, value);
            bound[i] = true;
        }
        for (int i = 0; i < parameters.Count; i++)
        {
            if (bound[i]) continue;
            var p = parameters[i];
            scope.Set(p.Name, p.Default is null ? new Undefined($"parameter '{p.Name}' was not provided") : renderer.Eval(p.Default, scope));
        }
        var output = new StringBuilder();
        renderer.Execute(definition.Body, scope, output);
        return output.ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => $"<Macro '{definition.Name}'>";
}
