using System.Collections.Frozen;
using System.Reflection;
using System.Text;

namespace Payouts.Storage;

/// <summary>
/// The named SQL statements of one dialect, read from the embedded <c>Sql/&lt;Dialect&gt;/*.sql</c> files.
/// Each statement is headed <c>-- name: StatementName</c> (River's convention). C# refers to statements
/// by name only; it never builds SQL.
/// </summary>
public sealed class SqlCatalog
{
    private readonly FrozenDictionary<string, string> _statements;

    public string Dialect { get; }
    public IReadOnlyCollection<string> Names => _statements.Keys;

    private SqlCatalog(string dialect, Dictionary<string, string> statements)
    {
        Dialect = dialect;
        _statements = statements.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public string this[string name] => _statements.TryGetValue(name, out var sql)
        ? sql
        : throw new KeyNotFoundException($"SQL statement '{name}' is missing from the {Dialect} catalogue");

    public static SqlCatalog Load(string dialect)
    {
        var assembly = typeof(SqlCatalog).Assembly;
        var prefix = $"{assembly.GetName().Name}.Sql.{dialect}.";
        var statements = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(prefix, StringComparison.Ordinal)).Order())
            Parse(resource, ReadResource(assembly, resource), statements);
        if (statements.Count == 0)
            throw new InvalidOperationException($"no SQL statements embedded for dialect {dialect}");
        return new SqlCatalog(dialect, statements);
    }

    /// <summary>Every statement name must exist in every dialect; a gap stops start-up rather than a request.</summary>
    public static void EnsureSameNames(SqlCatalog a, SqlCatalog b)
    {
        var missingInB = a.Names.Except(b.Names).Order().ToList();
        var missingInA = b.Names.Except(a.Names).Order().ToList();
        if (missingInA.Count + missingInB.Count > 0)
            throw new InvalidOperationException(
                $"SQL catalogues differ: missing in {b.Dialect}: [{string.Join(", ", missingInB)}]; missing in {a.Dialect}: [{string.Join(", ", missingInA)}]");
    }

    internal static string ReadResource(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"missing embedded resource {resource}");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static void Parse(string resource, string text, Dictionary<string, string> into)
    {
        const string Marker = "-- name:";
        string? name = null;
        var body = new StringBuilder();
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(Marker, StringComparison.Ordinal))
            {
                Add(resource, name, body, into);
                name = line[Marker.Length..].Trim();
                body.Clear();
            }
            else if (name is not null)
            {
                body.Append(line).Append('\n');
            }
        }
        Add(resource, name, body, into);
    }

    private static void Add(string resource, string? name, StringBuilder body, Dictionary<string, string> into)
    {
        if (name is null) return;
        var sql = body.ToString().Trim();
        if (sql.Length == 0)
            throw new InvalidOperationException($"statement '{name}' in {resource} is empty");
        if (!into.TryAdd(name, sql))
            throw new InvalidOperationException($"statement '{name}' is defined twice ({resource})");
    }
}
