namespace OnnxKto.Graphs;

internal static partial class ShapeInference
{
    /// <summary>Numpy-style broadcast of shapes; null when any rank is unknown.</summary>
    public static Shape? Broadcast(IEnumerable<Shape?> shapes)
    {
        var list = shapes.ToList();
        if (list.Any(s => s is null)) return null;
        int rank = list.Max(s => s!.Rank);
        var dims = new Dim[rank];
        for (int k = 0; k < rank; k++)
        {
            Dim result = 1;
            bool sawUnknown = false;
            foreach (var s in list)
            {
                int j = k - (rank - s!.Rank);
                if (j < 0) continue;
                var d = s[j];
                // An unknown dim defers to any known one (it is either equal to it or 1).
                if (d.IsUnknown) { sawUnknown = true; continue; }
                if (d.Value == 1) continue;
                if (result.Value == 1) result = d;
                else if (!result.SameAs(d))
                {
                    if (result.IsFixed && d.IsFixed)
                        throw new ArgumentException($"Shapes {string.Join(" and ", list)} do not broadcast.");
                    // A fixed size wins over a symbol (the symbol must equal it at run time).
                    result = result.IsFixed ? result : d.IsFixed ? d : Dim.Unknown;
                }
            }
            dims[k] = result.Value == 1 && sawUnknown ? Dim.Unknown : result;
        }
        return new Shape(dims);
    }

    private static void BroadcastArithmetic(Node n) =>
        Set(n, 0, n.Inputs[0]!.Type, Broadcast(n.Inputs.Select(i => i!.Shape)));

    private static void BroadcastComparison(Node n) =>
        Set(n, 0, DataType.Bool, Broadcast(n.Inputs.Select(i => i!.Shape)));

    private static void Where(Node n) =>
        Set(n, 0, n.Inputs[1]!.Type, Broadcast(n.Inputs.Select(i => i!.Shape)));

    private static void Dropout(Node n)
    {
        SameAsInput0(n);
        Set(n, 1, DataType.Bool, n.Inputs[0]!.Shape);
    }
}
