using Payouts.Server.Tests.Bitcoin;
using Payouts.Server.Tests.Support;
using Payouts.Simulators.Lightning;
using Payouts.Simulators.Lightning.Cln;
using Payouts.Simulators.Lightning.Lnd;
using Payouts.Simulators.Lightning.Lnurl;

namespace Payouts.Server.Tests.LightningPayouts;

public enum NodeKind { Lnd, Cln }

/// <summary>
/// One store paying through a simulated Lightning node: the shared network, the store's LND (REST over HTTP) or Core
/// Lightning (unix socket), an LNURL-pay service behind <c>pay.test</c>, and the in-process server with its rail
/// configured through the API. The processor is left to the test, so payouts can be lined up before its first run.
/// </summary>
public sealed class LightningStack : IAsyncDisposable
{
    private LightningStack(LightningNetworkSim network, LndSimulator? lnd, ClnSimulator? cln, LnurlPaySimulator lnurl, BitcoinNode node,
        HttpClient admin, string storeId)
    {
        (Network, Lnd, Cln, Lnurl, Node, Admin, StoreId) = (network, lnd, cln, lnurl, node, admin, storeId);
    }

    public LightningNetworkSim Network { get; }
    public LndSimulator? Lnd { get; }
    public ClnSimulator? Cln { get; }
    public LnurlPaySimulator Lnurl { get; }
    public BitcoinNode Node { get; }
    public HttpClient Admin { get; }
    public string StoreId { get; }

    /// <param name="paymentTimeoutSeconds">The rail's; a run waits this (at most <c>LightningRail.WaitMax</c>) for a payment.</param>
    /// <param name="extra">Server settings on top of the Lightning ones.</param>
    public static async Task<LightningStack> Start(NodeKind kind = NodeKind.Lnd, int paymentTimeoutSeconds = 30,
        IReadOnlyDictionary<string, string>? extra = null)
    {
        var network = new LightningNetworkSim();
        var lnd = kind == NodeKind.Lnd ? await LndSimulator.Start(network) : null;
        var cln = kind == NodeKind.Cln ? await ClnSimulator.Start(network) : null;
        var lnurl = await LnurlPaySimulator.Start(network);
        var settings = Ln.NodeSettings(lnurl);
        foreach (var (k, v) in extra ?? new Dictionary<string, string>()) settings[k] = v;
        var node = new BitcoinNode(settings);
        var admin = node.Admin();
        var storeId = await Http.CreateStore(admin);
        await Ln.ConfigureRail(admin, storeId, lnd is not null ? Ln.LndConnectionString(lnd) : Ln.ClnConnectionString(cln!), paymentTimeoutSeconds);
        return new LightningStack(network, lnd, cln, lnurl, node, admin, storeId);
    }

    /// <summary>A payee of the network with an invoice of <paramref name="amountMsat"/> (null: amountless).</summary>
    public string Invoice(string payee, long? amountMsat, TimeSpan? expiry = null)
    {
        SimPayee p;
        try { p = Network.Payee(payee); }
        catch (ArgumentException) { p = Network.AddPayee(payee); }
        return Network.CreateInvoice(p, amountMsat, expiry);
    }

    /// <summary>Payment attempts the store's node made for this hash (LND's payments or CLN's pay groups).</summary>
    public int NodePayments(string paymentHash) => Lnd?.PaymentsFor(paymentHash).Count ?? Cln!.PaymentsFor(paymentHash).Count;

    public SandboxProbe Probe() => Node.Probe();

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await Node.DisposeAsync();
        await Lnurl.DisposeAsync();
        if (Lnd is not null) await Lnd.DisposeAsync();
        if (Cln is not null) await Cln.DisposeAsync();
    }
}
