using Payouts.Contracts;

namespace Payouts.Core.Sending;

/// <summary>
/// The rail a store sends one payout method through (DESIGN §6); without one, the sandbox. <see cref="ConnectionString"/>
/// holds credentials: only its masked form may reach responses, logs or traces.
/// </summary>
/// <param name="Network">mainnet, testnet, signet or regtest: the chain the wallet is on, and so which addresses it accepts.</param>
/// <param name="SettingsJson">Rail-specific tracking settings (a JSON object), read by the rail itself.</param>
public sealed record RailConfig(
    string StoreId,
    PayoutMethodId MethodId,
    string ConnectionString,
    string? Network,
    string SettingsJson,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

public enum RailConfigWrite
{
    Written,
    Deleted,
    NotFound,
    /// <summary>An attempt of the old rail is unfinished: only that rail can finish it.</summary>
    Busy,
}

/// <summary>Stores' rail configurations. Writes are refused while an attempt of that store and method is unfinished.</summary>
public interface IRailConfigStore
{
    Task<RailConfig?> RailConfigGet(string storeId, PayoutMethodId method, CancellationToken ct);
    Task<IReadOnlyList<RailConfig>> RailConfigList(string storeId, CancellationToken ct);
    Task<RailConfigWrite> RailConfigUpsert(RailConfig config, CancellationToken ct);
    Task<RailConfigWrite> RailConfigDelete(string storeId, PayoutMethodId method, CancellationToken ct);
}
