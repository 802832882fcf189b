using Microsoft.Extensions.Options;
using Payouts.Core.Auth;
using Payouts.Storage;

namespace Payouts.Server.Hosting;

/// <summary>The <c>Payouts</c> configuration section (appsettings.json, then <c>Payouts__…</c> environment variables).</summary>
public sealed class PayoutsOptions
{
    public const string Section = "Payouts";

    /// <summary>Names this node in logs and events; default: host name + process id.</summary>
    public string? NodeId { get; set; }

    /// <summary>Comma-separated subset of <c>api,processors,webhooks</c>; default all.</summary>
    public string Roles { get; set; } = "api,processors,webhooks";

    /// <summary>When set and the database has no API key, this key becomes the server admin key.</summary>
    public string? BootstrapAdminKey { get; set; }

    /// <summary>Comma-separated failpoint names (crash tests); empty in production.</summary>
    public string? Failpoints { get; set; }

    public DatabaseOptions Database { get; set; } = new();
    public ApiOptions Api { get; set; } = new();

    public string ResolvedNodeId => string.IsNullOrWhiteSpace(NodeId) ? $"{Environment.MachineName}-{Environment.ProcessId}" : NodeId.Trim();

    public NodeRoles ParsedRoles => NodeRolesParser.Parse(Roles);
}

public sealed class DatabaseOptions
{
    public const string SqliteConnectionStringDefault = "Data Source=data/payouts.db";

    /// <summary><c>sqlite</c> (default, one node) or <c>postgres</c> (clusters).</summary>
    public string Provider { get; set; } = "sqlite";
    public string? ConnectionString { get; set; }

    public DatabaseProvider ParsedProvider => Storage.Database.TryParseProvider(Provider, out var p) ? p : throw new OptionsValidationException(
        "Payouts:Database:Provider", typeof(DatabaseOptions), [$"unknown provider '{Provider}'"]);

    public string ResolvedConnectionString => !string.IsNullOrWhiteSpace(ConnectionString)
        ? ConnectionString
        : ParsedProvider == DatabaseProvider.Sqlite ? SqliteConnectionStringDefault
        : throw new OptionsValidationException("Payouts:Database:ConnectionString", typeof(DatabaseOptions), ["PostgreSQL needs a connection string"]);
}

public sealed class ApiOptions
{
    public const int RequestBodyBytesDefault = 1024 * 1024;
    public const int RequestBodyBytesMax = 16 * 1024 * 1024;

    /// <summary>Largest request body accepted; larger gets 413 before it is parsed.</summary>
    public int RequestBodyBytes { get; set; } = RequestBodyBytesDefault;
}

[Flags]
public enum NodeRoles
{
    None = 0,
    Api = 1,
    Processors = 2,
    Webhooks = 4,
}

public static class NodeRolesParser
{
        public static NodeRoles Parse(string? text)
        {
            var roles = NodeRoles.None;
            foreach (var part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                roles |= part.ToLowerInvariant() switch
                {
                    "api" => NodeRoles.Api,
                    "processors" => NodeRoles.Processors,
                    "webhooks" => NodeRoles.Webhooks,
                    _ => throw new OptionsValidationException("Payouts:Roles", typeof(PayoutsOptions),
                        [$"unknown role '{part}'; use api, processors, webhooks"]),
                };
            }
            return roles;
        }
}

/// <summary>Fails start-up on a bad configuration instead of at the first request.</summary>
public sealed class PayoutsOptionsValidator : IValidateOptions<PayoutsOptions>
{
    public ValidateOptionsResult Validate(string? name, PayoutsOptions o)
    {
        var errors = new List<string>();
        if (!Storage.Database.TryParseProvider(o.Database.Provider, out var provider))
            errors.Add($"Payouts:Database:Provider must be 'sqlite' or 'postgres', not '{o.Database.Provider}'");
        else if (provider == DatabaseProvider.Postgres && string.IsNullOrWhiteSpace(o.Database.ConnectionString))
            errors.Add("Payouts:Database:ConnectionString is required for postgres");
        try
        {
            if (o.ParsedRoles == NodeRoles.None) errors.Add("Payouts:Roles names no role");
        }
        catch (OptionsValidationException ex)
        {
            errors.AddRange(ex.Failures);
        }
        if (o.BootstrapAdminKey is { } key && key.Length is < ApiKey.SecretLengthMin or > ApiKey.SecretLengthMax)
            errors.Add($"Payouts:BootstrapAdminKey must be {ApiKey.SecretLengthMin}–{ApiKey.SecretLengthMax} characters");
        if (o.Api.RequestBodyBytes is < 1024 or > ApiOptions.RequestBodyBytesMax)
            errors.Add($"Payouts:Api:RequestBodyBytes must be between 1024 and {ApiOptions.RequestBodyBytesMax}");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
