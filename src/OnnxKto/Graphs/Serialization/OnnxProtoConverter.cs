using Google.Protobuf;
using Onnx;

namespace OnnxKto.Graphs.Serialization;

/// <summary>Converts between our <see cref="Graph"/> and ONNX's protobuf <see cref="ModelProto"/>.</summary>
internal static class OnnxProtoConverter
{
    // Opset 18 needs IR version 8; ORT 1.31 reads up to 11.
    private const long IrVersion = 8;

    /// <summary>
    /// Builds a ModelProto. <paramref name="externalize"/> may move an initializer's bytes out of the
    /// proto (returning the external-data entries to record); otherwise bytes are embedded.
    /// </summary>
    public static ModelProto ToProto(Graph graph, Func<Value, IEnumerable<(string Key, string Value)>?>? externalize = null)
    {
        var model = new ModelProto { IrVersion = IrVersion, ProducerName = "OnnxKto", Graph = new GraphProto { Name = graph.Name } };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = graph.Opset });
        foreach (var domain in graph.Nodes.Select(n => n.Domain).Where(d => d is not ("" or "ai.onnx")).Distinct())
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = 1 });

        var g = model.Graph;
        g.Input.AddRange(graph.Inputs.Select(ValueInfo));
        foreach (var init in graph.Initializers)
        {
            var external = externalize?.Invoke(init);
            var t = Tensor(init.Name, init.Data!, embed: external is null);
            if (external is not null)
            {
                t.DataLocation = TensorProto.Types.DataLocation.External;
                foreach (var (k, v) in external) t.ExternalData.Add(new StringStringEntryProto { Key = k, Value = v });
            }
            g.Initializer.Add(t);
        }
        foreach (var n in graph.Nodes)
        {
            var np = new NodeProto { Name = n.Name, OpType = n.OpType, Domain = n.Domain };
            np.Input.AddRange(n.Inputs.Select(i => i?.Name ?? ""));
            np.Output.AddRange(n.Outputs.Select(o => o.Name));
            foreach (var (name, a) in n.Attributes) np.Attribute.Add(AttributeProtoOf(name, a));
            g.Node.Add(np);
        }
        g.Output.AddRange(graph.Outputs.Select(ValueInfo));
        return model;
    }

    /// <summary>
    /// Builds a Graph from a ModelProto. <paramref name="externalData"/> supplies bytes for tensors stored
    /// outside the proto. Value types and shapes come from the file's value_info where present, else from inference.
    /// </summary>
    public static Graph FromProto(ModelProto model, Func<TensorProto, TensorMemory?> externalData, string source)
    {
        var gp = model.Graph ?? throw new InvalidDataException($"{source}: the model has no graph.");
        int opset = (int)(model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")?.Version ?? Graph.DefaultOpset);
        var graph = new Graph(string.IsNullOrEmpty(gp.Name) ? "graph" : gp.Name, opset);
        var builder = new GraphBuilder(graph);

        var initNames = gp.Initializer.Select(t => t.Name).ToHashSet();
        foreach (var t in gp.Initializer) graph.AddInitializer(t.Name, TensorDataOf(t, externalData, source));
        foreach (var vi in gp.Input.Where(v => !initNames.Contains(v.Name)))
        {
            var (type, shape) = TypeOf(vi, source);
            graph.AddInput(vi.Name, type, shape ?? throw new InvalidDataException($"{source}: graph input '{vi.Name}' has no shape."));
        }
        var declared = gp.ValueInfo.Concat(gp.Output).ToDictionary(v => v.Name, v => v);
        foreach (var np in gp.Node)
        {
            var inputs = np.Input.Select(name => name.Length == 0 ? null
                : graph.Contains(name) ? graph[name]
                : throw new InvalidDataException(
                    $"{source}: node '{np.Name}' ({np.OpType}) reads '{name}' before any node produces it (graph not topologically sorted, or a missing input).")).ToArray();
            var attrs = np.Attribute.Select(a => (a.Name, (object)AttributeOf(a, np, source))).ToArray();
            var nodeName = string.IsNullOrEmpty(np.Name) ? np.OpType : np.Name;
            var outputs = builder.AppendNode(nodeName, np.Domain, np.OpType, np.Output.Count, inputs, attrs, np.Output);
            for (int i = 0; i < outputs.Length; i++)
            {
                if (declared.TryGetValue(np.Output[i], out var vi) && TypeOf(vi, source) is var (type, shape) && type != DataType.Undefined)
                {
                    outputs[i].Type = type;
                    outputs[i].Shape = shape ?? outputs[i].Shape;
                }
            }
        }
        foreach (var o in gp.Output) graph.AddOutput(graph[o.Name]);
        return graph;
    }

    private static ValueInfoProto ValueInfo(Value v)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)v.Type };
        if (v.Shape is not null)
        {
            tensorType.Shape = new TensorShapeProto();
            foreach (var d in v.Shape.Dims)
            {
                var dim = new TensorShapeProto.Types.Dimension();
                if (d.Value is long value) dim.DimValue = value;
                else if (d.Symbol is not null) dim.DimParam = d.Symbol;
                tensorType.Shape.Dim.Add(dim);
            }
        }
        return new ValueInfoProto { Name = v.Name, Type = new TypeProto { TensorType = tensorType } };
    }

    private static (DataType, Shape?) TypeOf(ValueInfoProto vi, string source)
    {
        if (vi.Type?.TensorType is not { } tt)
            throw new InvalidDataException($"{source}: value '{vi.Name}' is not a tensor; only tensor values are supported.");
        Shape? shape = tt.Shape is null ? null : new Shape(tt.Shape.Dim.Select(d =>
            d.HasDimValue ? Dim.Of(d.DimValue) : d.HasDimParam && d.DimParam.Length > 0 ? Dim.Sym(d.DimParam) : Dim.Unknown));
        return ((DataType)tt.ElemType, shape);
    }

    internal static TensorProto Tensor(string name, TensorData data, bool embed = true)
    {
        var t = new TensorProto { Name = name, DataType = (int)data.Type };
        t.Dims.AddRange(data.Dims);
        // Wrapping avoids copying large weights; TensorData bytes are never mutated after creation.
        if (embed) t.RawData = data.ManagedBytes is { } array ? UnsafeByteOperations.UnsafeWrap(array) : ByteString.CopyFrom(data.Bytes);
        return t;
    }

    internal static TensorData TensorDataOf(TensorProto t, Func<TensorProto, TensorMemory?> externalData, string source)
    {
        var type = (DataType)t.DataType;
        var dims = t.Dims.ToArray();
        try
        {
            if (t.DataLocation == TensorProto.Types.DataLocation.External)
                return externalData(t) is { } memory ? new TensorData(type, dims, memory) : new TensorData(type, dims, []);
            if (!t.RawData.IsEmpty) return new TensorData(type, dims, t.RawData.ToByteArray());
            return type switch
            {
                DataType.Float => TensorData.FromFloats(dims, t.FloatData.ToArray()),
                DataType.Double => TensorData.FromDoubles(dims, t.DoubleData.ToArray()),
                DataType.Int64 => TensorData.FromLongs(dims, t.Int64Data.ToArray()),
                DataType.Int32 => TensorData.FromInts(dims, t.Int32Data.ToArray()),
                DataType.Bool => TensorData.FromBools(dims, t.Int32Data.Select(v => v != 0).ToArray()),
                _ => throw new InvalidDataException($"unsupported element type {type} without raw_data"),
            };
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            throw new InvalidDataException($"{source}: tensor '{t.Name}': {e.Message}", e);
        }
    }

    private static AttributeProto AttributeProtoOf(string name, Attribute a)
    {
        var p = new AttributeProto { Name = name };
        switch (a.Value)
        {
            case long v: p.Type = AttributeProto.Types.AttributeType.Int; p.I = v; break;
            case float v: p.Type = AttributeProto.Types.AttributeType.Float; p.F = v; break;
            case string v: p.Type = AttributeProto.Types.AttributeType.String; p.S = ByteString.CopyFromUtf8(v); break;
            case long[] v: p.Type = AttributeProto.Types.AttributeType.Ints; p.Ints.AddRange(v); break;
            case float[] v: p.Type = AttributeProto.Types.AttributeType.Floats; p.Floats.AddRange(v); break;
            case TensorData v: p.Type = AttributeProto.Types.AttributeType.Tensor; p.T = Tensor("", v); break;
        }
        return p;
    }

    private static Attribute AttributeOf(AttributeProto a, NodeProto node, string source) => a.Type switch
    {
        AttributeProto.Types.AttributeType.Int => Attribute.Int(a.I),
        AttributeProto.Types.AttributeType.Float => Attribute.Float(a.F),
        AttributeProto.Types.AttributeType.String => Attribute.String(a.S.ToStringUtf8()),
        AttributeProto.Types.AttributeType.Ints => Attribute.Ints(a.Ints.ToArray()),
        AttributeProto.Types.AttributeType.Floats => Attribute.Floats(a.Floats.ToArray()),
        AttributeProto.Types.AttributeType.Tensor => Attribute.Tensor(TensorDataOf(a.T, _ =>
            throw new InvalidDataException($"{source}: attribute '{a.Name}' of node '{node.Name}' uses external data."), source)),
        _ => throw new InvalidDataException(
            $"{source}: attribute '{a.Name}' of node '{node.Name}' ({node.OpType}) has type {a.Type}, which OnnxKto does not support (subgraphs, string lists, sparse tensors)."),
    };
}
