using System.Text.Json.Nodes;

namespace OnnxKto.Data.Readers;

/// <summary>
/// One row as a reader found it: the columns KTO needs as JSON nodes (an explicit null for a null value, no key for a
/// missing column), or the reason the row could not be read at all (e.g. a broken JSON line).
/// </summary>
internal sealed record RawRow(RowLocation Location, JsonObject? Columns, string? Unreadable);
