using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using OnnxKto.Data;

namespace OnnxKto.Serving;

/// <summary>
/// The SQLite file of served completions and their ratings. Written in WAL mode with <c>synchronous=FULL</c>: each
/// write is one transaction whose commit syncs the log to disk before it returns, so a rating acknowledged to a client
/// survives the server being killed at any moment after. One connection, used under a lock (SQLite writes one at a time anyway).
/// </summary>
public sealed class FeedbackStore : IDisposable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS completions (
            id TEXT NOT NULL, choice INTEGER NOT NULL, created_at TEXT NOT NULL, model TEXT NOT NULL, adapter TEXT,
            messages TEXT, prompt TEXT NOT NULL, prompt_ids TEXT NOT NULL, completion TEXT NOT NULL, completion_ids TEXT NOT NULL,
            finish_reason TEXT NOT NULL, settings TEXT NOT NULL, label INTEGER, comment TEXT, rated_at TEXT,
            PRIMARY KEY (id, choice));
        CREATE INDEX IF NOT EXISTS completions_rated_at ON completions (rated_at);
        """;

    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();

    /// <summary>Opens (creating when missing) the database at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a SQLite database, or not one of ours.</exception>
    public FeedbackStore(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString());
        try
        {
            _connection.Open();
            Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
            Execute(Schema);
        }
        catch (SqliteException e)
        {
            _connection.Dispose();
            throw new InvalidDataException($"{Path}: cannot be used as the feedback database ({e.Message}).", e);
        }
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>Stores a served completion (unrated).</summary>
    public void Add(StoredCompletion c)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = """
                INSERT INTO completions (id, choice, created_at, model, adapter, messages, prompt, prompt_ids, completion, completion_ids, finish_reason, settings)
                VALUES ($id, $choice, $created, $model, $adapter, $messages, $prompt, $promptIds, $completion, $completionIds, $finish, $settings)
                """;
            command.Parameters.AddWithValue("$id", c.Id);
            command.Parameters.AddWithValue("$choice", c.Choice);
            command.Parameters.AddWithValue("$created", Time(c.Created));
            command.Parameters.AddWithValue("$model", c.Model);
            command.Parameters.AddWithValue("$adapter", (object?)c.Adapter ?? DBNull.Value);
            command.Parameters.AddWithValue("$messages", c.Messages is null ? DBNull.Value : JsonSerializer.Serialize(c.Messages.Select(m => new { role = m.Role, content = m.Content })));
            command.Parameters.AddWithValue("$prompt", c.Prompt);
            command.Parameters.AddWithValue("$promptIds", JsonSerializer.Serialize(c.PromptIds));
            command.Parameters.AddWithValue("$completion", c.Completion);
            command.Parameters.AddWithValue("$completionIds", JsonSerializer.Serialize(c.CompletionIds));
            command.Parameters.AddWithValue("$finish", c.FinishReason);
            command.Parameters.AddWithValue("$settings", c.Settings);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Records (or replaces) the rating of choice <paramref name="choice"/> of completion <paramref name="id"/>; on disk when it returns.</summary>
    /// <returns>False when no such completion is stored.</returns>
    public bool Rate(string id, int choice, bool label, string? comment, DateTime at)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "UPDATE completions SET label = $label, comment = $comment, rated_at = $at WHERE id = $id AND choice = $choice";
            command.Parameters.AddWithValue("$label", label ? 1 : 0);
            command.Parameters.AddWithValue("$comment", (object?)comment ?? DBNull.Value);
            command.Parameters.AddWithValue("$at", Time(at));
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$choice", choice);
            return command.ExecuteNonQuery() == 1;
        }
    }

    /// <summary>The rated completions, in rating order, rated at or after <paramref name="since"/> when given.</summary>
    public IReadOnlyList<StoredCompletion> Rated(DateTime? since = null)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT * FROM completions WHERE label IS NOT NULL AND ($since IS NULL OR rated_at >= $since) ORDER BY rated_at, id, choice";
            command.Parameters.AddWithValue("$since", since is { } s ? Time(s) : DBNull.Value);
            using var reader = command.ExecuteReader();
            var rows = new List<StoredCompletion>();
            while (reader.Read()) rows.Add(Row(reader));
            return rows;
        }
    }

    /// <summary>Closes the database.</summary>
    public void Dispose() => _connection.Dispose();

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private StoredCompletion Row(SqliteDataReader r)
    {
        string Text(string column) => r.GetString(r.GetOrdinal(column));
        string? Optional(string column) => r.IsDBNull(r.GetOrdinal(column)) ? null : r.GetString(r.GetOrdinal(column));
        try
        {
            var messages = Optional("messages") is { } json
                ? JsonSerializer.Deserialize<List<JsonElement>>(json)!.Select(m => new ChatMessage(m.GetProperty("role").GetString()!, m.GetProperty("content").GetString()!)).ToList()
                : null;
            var label = r.IsDBNull(r.GetOrdinal("label")) ? (bool?)null : r.GetInt64(r.GetOrdinal("label")) != 0;
            return new StoredCompletion(Text("id"), r.GetInt32(r.GetOrdinal("choice")), Parse(Text("created_at")), Text("model"), Optional("adapter"), messages,
                Text("prompt"), JsonSerializer.Deserialize<int[]>(Text("prompt_ids"))!, Text("completion"), JsonSerializer.Deserialize<int[]>(Text("completion_ids"))!,
                Text("finish_reason"), Text("settings"), label, Optional("comment"), Optional("rated_at") is { } at ? Parse(at) : null);
        }
        catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"{Path}: completion '{Text("id")}' has a malformed column ({e.Message}).", e);
        }
    }

    // ISO 8601 with a fixed width, so text order is time order (--since compares text).
    private static string Time(DateTime t) => t.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);

    private static DateTime Parse(string t) => DateTime.Parse(t, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
}
