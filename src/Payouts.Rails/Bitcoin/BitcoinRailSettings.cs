using System.Text.Json;
using System.Text.Json.Serialization;
using Payouts.Core.Bitcoin;
using Payouts.Core.Sending;

namespace Payouts.Rails.Bitcoin;

/// <summary>How long to watch a batch, and when to bump its fee: stored as the rail config's settings JSON.</summary>
public sealed record BitcoinTracking
{
    public const int ConfirmationsMax = 100;
    public const int FinalConfirmationsDefault = 6;
    public const int FeeBumpAfterMinutesDefault = 60;
    public const int FeeBumpAfterMinutesMax = 7 * 24 * 60;

    /// <summary>Confirmations before payouts are Completed.</summary>
    public int MinConfirmations { get; init; } = 1;

    /// <summary>Confirmations after which a reorg is no longer watched for (at least <see cref="MinConfirmations"/>).</summary>
    public int FinalConfirmations { get; init; } = FinalConfirmationsDefault;

    /// <summary>Minutes a batch may stay unconfirmed before its fee is bumped; 0 never bumps.</summary>
    public int FeeBumpAfterMinutes { get; init; } = FeeBumpAfterMinutesDefault;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static BitcoinTracking FromJson(string json) => JsonSerializer.Deserialize<BitcoinTracking>(json, Json) ?? new BitcoinTracking();
}

/// <summary>
/// A store's Bitcoin Core wallet: <c>type=bitcoind;server=http://127.0.0.1:18443;user=u;password=p;wallet=store1</c>
/// (or <c>cookiefile=/path/.cookie</c> instead of user and password), on one network.
/// </summary>
public sealed record BitcoinRailSettings(
    Uri Server, string? User, string? Password, string? CookieFile, string Wallet, BitcoinNetwork Network, TimeSpan RpcTimeout,
    BitcoinTracking Tracking)
{
    public const string Type = "bitcoind";
    public static readonly TimeSpan RpcTimeoutDefault = TimeSpan.FromSeconds(30);

    /// <summary>Validates a configuration; each error names the field it is about (connectionString, network, …).</summary>
    public static bool TryCreate(RailConnectionString cs, string? network, BitcoinTracking tracking,
        out BitcoinRailSettings? settings, out List<(string Path, string Message)> errors)
    {
        errors = [];
        settings = null;
        const string Cs = "connectionString";
        var serverText = cs["server"];
        Uri? server = null;
        if (string.IsNullOrEmpty(serverText))
            errors.Add((Cs, "'server' is required, for example server=http://127.0.0.1:8332."));
        else if (!Uri.TryCreate(serverText, UriKind.Absolute, out server) || server.Scheme is not ("http" or "https")
                 || !string.IsNullOrEmpty(server.UserInfo))
            errors.Add((Cs, "'server' must be an http(s) URL without credentials in it, for example server=http://127.0.0.1:8332."));
        var (user, password, cookie) = (cs["user"], cs["password"], cs["cookiefile"]);
        if (cookie is not null && (user is not null || password is not null))
            errors.Add((Cs, "Give either user and password, or cookiefile, not both."));
        else if (cookie is null && (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(password)))
            errors.Add((Cs, "Give user and password (rpcuser/rpcpassword or rpcauth), or cookiefile."));
        else if (cookie is not null && !Path.IsPathFullyQualified(cookie))
            errors.Add((Cs, "'cookiefile' must be an absolute path."));
        var wallet = cs["wallet"];
        if (string.IsNullOrEmpty(wallet))
            errors.Add((Cs, "'wallet' is required: the store's Bitcoin Core wallet (one wallet per store)."));
        var timeout = RpcTimeoutDefault;
        if (cs["timeout"] is { } t && (!int.TryParse(t, out var seconds) || seconds is < 1 or > 600))
            errors.Add((Cs, "'timeout' must be a number of seconds between 1 and 600."));
        else if (cs["timeout"] is { } t2)
            timeout = TimeSpan.FromSeconds(int.Parse(t2, System.Globalization.CultureInfo.InvariantCulture));
        if (!BitcoinNetworks.TryParse(network, out var net))
            errors.Add(("network", "The network is required: mainnet, testnet, signet or regtest."));
        if (tracking.MinConfirmations is < 1 or > BitcoinTracking.ConfirmationsMax)
            errors.Add(("minConfirmations", $"Give between 1 and {BitcoinTracking.ConfirmationsMax} confirmations."));
        if (tracking.FinalConfirmations < tracking.MinConfirmations || tracking.FinalConfirmations > BitcoinTracking.ConfirmationsMax)
            errors.Add(("finalConfirmations", $"Give between minConfirmations and {BitcoinTracking.ConfirmationsMax} confirmations."));
        if (tracking.FeeBumpAfterMinutes is < 0 or > BitcoinTracking.FeeBumpAfterMinutesMax)
            errors.Add(("feeBumpAfterMinutes", $"Give between 0 (never bump) and {BitcoinTracking.FeeBumpAfterMinutesMax} minutes."));
        if (errors.Count > 0) return false;
        settings = new BitcoinRailSettings(server!, user, password, cookie, wallet!, net, timeout, tracking);
        return true;
    }

    public static BitcoinRailSettings FromConfig(RailConfig config)
    {
        if (!RailConnectionString.TryParse(config.ConnectionString, out var cs, out var parseError))
            throw new Core.InvariantViolationException($"stored connection string does not parse: {parseError}");
        return TryCreate(cs, config.Network, BitcoinTracking.FromJson(config.SettingsJson), out var s, out var errors)
            ? s!
            : throw new Core.InvariantViolationException($"stored bitcoind configuration is invalid: {string.Join("; ", errors.Select(e => e.Message))}");
    }
}
