using System.Text.Json.Nodes;
using Payouts.Core.Bitcoin;
using Payouts.Simulators.Lightning;
using Payouts.Simulators.Lightning.Cln;
using Payouts.Simulators.Lightning.Lnd;

namespace Payouts.Rails.Tests.Lightning;

/// <summary>The three ways a store's Lightning node can be reached.</summary>
public enum NodeKind { Lnd, ClnSocket, ClnRest }

internal sealed record SimNodeOptions
{
    public bool Https { get; init; }
    public BitcoinNetwork? Chain { get; init; }

    /// <summary>What the node can spend; the simulators' own default (0.1 BTC) unless a test needs it short.</summary>
    public long BalanceMsat { get; init; } = 10_000_000_000;
}

/// <summary>
/// One simulated node of any kind, behind the questions a rail test asks of it: how to connect, what the rail sent it,
/// how many payments it made of a hash, and the faults (drop the answer, refuse once, crash and restart).
/// </summary>
internal sealed class SimNode : IAsyncDisposable
{
    private const string SendPath = "/v2/router/send";

    private SimNode(NodeKind kind, LndSimulator? lnd, ClnSimulator? cln) => (Kind, Lnd, Cln) = (kind, lnd, cln);

    public NodeKind Kind { get; }
    public LndSimulator? Lnd { get; }
    public ClnSimulator? Cln { get; }

    public static async Task<SimNode> Start(NodeKind kind, LightningNetworkSim network, SimNodeOptions? options = null)
    {
        options ??= new SimNodeOptions();
        return kind == NodeKind.Lnd
            ? new SimNode(kind, await LndSimulator.Start(network, new LndSimulatorOptions
            {
                Https = options.Https, Network = options.Chain, LocalBalanceSat = options.BalanceMsat / 1000,
            }), null)
            : new SimNode(kind, null, await ClnSimulator.Start(network, new ClnSimulatorOptions
            {
                Rest = kind == NodeKind.ClnRest, RestHttps = options.Https, Network = options.Chain, SpendableMsat = options.BalanceMsat,
            }));
    }

    /// <summary>The node's id as it signs its payments in the network's ledger.</summary>
    public string Id => Lnd?.IdentityPubKey ?? Cln!.NodeId;

    public string? CertThumbprint => Lnd is not null ? Lnd.CertThumbprint : Cln!.CertThumbprint;

    /// <param name="credential">Another macaroon (hex) or rune than the node's.</param>
    /// <param name="thumbprint">Another certificate pin than the node's own.</param>
    public string ConnectionString(string? credential = null, string? thumbprint = null)
    {
        var pin = (thumbprint ?? CertThumbprint) is { } t ? $";certthumbprint={t}" : "";
        return Kind switch
        {
            NodeKind.Lnd => $"type=lnd-rest;server={Lnd!.BaseUrl};macaroon={credential ?? Lnd.MacaroonHex}{pin}",
            NodeKind.ClnSocket => $"type=clightning;server=unix://{Cln!.SocketPath}",
            _ => $"type=clnrest;server={Cln!.RestUrl};rune={credential ?? Cln.Rune}{pin}",
        };
    }

    /// <summary>Every request any client made of the node (pay, track, getinfo, …).</summary>
    public int CallCount => Lnd?.Calls.Count ?? Cln!.Calls.Count;

    /// <summary>The pay requests the node received, as sent: LND's SendPaymentV2 bodies, CLN's pay params.</summary>
    public IReadOnlyList<JsonNode> PayRequests => Lnd is not null
        ? Lnd.CallsTo(SendPath).Select(c => JsonNode.Parse(c.Body)!).ToList()
        : Cln!.CallsOf("pay").Select(c => JsonNode.Parse(c.Params)!).ToList();

    /// <summary>The routing fee cap a pay request carried, msat.</summary>
    public long FeeLimitOf(JsonNode request) => Lnd is not null
        ? long.Parse((string)request["fee_limit_msat"]!, System.Globalization.CultureInfo.InvariantCulture)
        : (long)request["maxfee"]!;

    /// <summary>The amount a pay request named for an amountless invoice, msat; null when it named none.</summary>
    public long? AmountOf(JsonNode request) => Lnd is not null
        ? request["amt_msat"] is { } a ? long.Parse((string)a!, System.Globalization.CultureInfo.InvariantCulture) : null
        : (long?)request["amount_msat"];

    /// <summary>Payments the node made (recorded in its database) of this hash, failed ones included.</summary>
    public int PaymentsOf(string paymentHash) => Lnd?.PaymentsFor(paymentHash).Count ?? Cln!.PaymentsFor(paymentHash).Count;

    /// <summary>The next pay starts its payment, then the connection closes before any answer.</summary>
    public void DropNextPayAnswer()
    {
        if (Lnd is not null) Lnd.DropAfterAccept(SendPath);
        else Cln!.DropAfterAccept("pay");
    }

    /// <summary>The next pay is refused with an error that is not about the payment (LND: gRPC Unknown; CLN: a plugin dying).</summary>
    public void RefuseNextPay()
    {
        if (Lnd is not null) Lnd.FailNext(SendPath);
        else Cln!.FailNext("pay", -4, "Plugin terminated before replying to RPC call.");
    }

    /// <summary>The next question about a payment (LND track, CLN listpays) fails without an answer.</summary>
    public void FailNextTrack()
    {
        if (Lnd is not null) Lnd.FailNext("/v2/router/track/");
        else Cln!.FailNext("listpays");
    }

    public Task Stop() => Lnd?.Stop() ?? Cln!.Stop();

    public Task Restart() => Lnd?.Restart() ?? Cln!.Restart();

    public async ValueTask DisposeAsync()
    {
        if (Lnd is not null) await Lnd.DisposeAsync();
        if (Cln is not null) await Cln.DisposeAsync();
    }
}
