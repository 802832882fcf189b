namespace Payouts.Contracts.Wire;

/// <summary>
/// A store's rail for one payout method (beyond Greenfield, where the node is the server's, not the store's).
/// <c>connectionString</c> in BTCPay's style, e.g. <c>type=bitcoind;server=http://127.0.0.1:8332;cookiefile=/data/.cookie;wallet=store1</c>.
/// </summary>
public sealed class RailRequest
{
    public string? ConnectionString { get; set; }
    /// <summary>mainnet, testnet, signet or regtest.</summary>
    public string? Network { get; set; }
    public int? MinConfirmations { get; set; }
    public int? FinalConfirmations { get; set; }
    public int? FeeBumpAfterMinutes { get; set; }
    /// <summary>Lightning: the node's budget to find a route, and how long a run waits for a payment (default 30).</summary>
    public int? PaymentTimeoutSeconds { get; set; }
    /// <summary>Lightning: payments of one run in flight at once (default 8).</summary>
    public int? ParallelPayments { get; set; }
}

/// <summary>A configured rail; the connection string with its secrets masked (<c>password=***</c>).</summary>
public sealed record RailData(string PayoutMethodId, string Type, string ConnectionString, string? Network,
    int? MinConfirmations, int? FinalConfirmations, int? FeeBumpAfterMinutes, bool IsDefault, DateTimeOffset? UpdatedAt,
    int? PaymentTimeoutSeconds = null, int? ParallelPayments = null);

/// <summary>What a connection test found. <c>ok</c> is true when the node answered and nothing is in the way of sending.</summary>
public sealed record RailTestData(bool Ok, string Type, string? Chain, long? Blocks, long? NodeVersion, string? Wallet,
    decimal? BalanceTrusted, decimal? BalancePending, IReadOnlyList<string> Problems, string? NodeId = null, string? Version = null,
    int? ActiveChannels = null);
