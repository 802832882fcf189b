using System.Net;
using System.Text;
using Payouts.Core.Sending;
using Payouts.Rails.Lightning;
using Payouts.Simulators.Lightning.Lnurl;
using static Payouts.Rails.Tests.Lightning.LnAttempts;

namespace Payouts.Rails.Tests.Lightning;

/// <summary>
/// LNURL-pay and Lightning addresses through the rail, against an LNURL service and an LND node in one simulated
/// network. The invoice is fetched once, at prepare, and committed: every later execute pays that invoice, so the service
/// issues exactly one per payout, and whatever is wrong with its answer is the payout's fault and pays nothing.
/// </summary>
public sealed class LightningRailLnurlTests : LightningRailFixture
{
    private const string Address = "alice@pay.test";
    private SimNode _node = null!;
    private LnurlPaySimulator _lnurl = null!;

    public override async Task InitializeAsync()
    {
        _node = await StartNode(NodeKind.Lnd);
        _lnurl = await StartLnurl();
        _lnurl.AddUser("alice");
        _lnurl.AddUser("bob", minSendableMsat: 1_000, maxSendableMsat: 50_000);
    }

    /// <summary>Loopback allowed, and pay.test served by the simulator (as curl --resolve would).</summary>
    private LnurlOptions Options => new() { AllowPrivateHosts = true, AddressHosts = new Dictionary<string, Uri> { ["pay.test"] = _lnurl.BaseUrl } };

    private LightningRail LnurlRail() => Rail(_node, lnurl: Options);

    [Fact]
    public async Task LightningAddressGetsOneInvoiceAtPrepareWhichIsCommittedAndPaidOnceHoweverOftenExecuted()
    {
        var rail = LnurlRail();

        var attempt = await Prepared(rail, Attempt((Address, 25_000)));

        var issued = Assert.Single(_lnurl.InvoicesIssued("alice"));
        var payment = Assert.Single(Artifact(attempt).Payments);
        Assert.Equal((Address, issued.Bolt11, issued.PaymentHash, 25_000L), (payment.Destination, payment.Invoice, payment.PaymentHash, payment.AmountMsat));
        Assert.Equal(issued.PaymentHash, attempt.Payouts[0].Reference);
        Assert.Empty(_node.PayRequests);

        AssertProof((await rail.Execute(attempt, Ct))["p1"], issued.PaymentHash);
        var twice = (await LnurlRail().Execute(attempt, Ct))["p1"];
        Assert.True(twice is SendOutcome.Unknown or SendOutcome.Succeeded, $"a repeated execute answered {twice}");
        AssertProof((await rail.Status(attempt, Ct))["p1"], issued.PaymentHash);

        Assert.Single(_lnurl.InvoicesIssued("alice"));
        Assert.Equal(issued.PaymentHash, Assert.Single(_lnurl.PaidInvoices("alice")).PaymentHash);
        AssertPaidOnce(_node, issued.PaymentHash, Alice, 25_000);
    }

    [Fact]
    public async Task LnurlCommittedBeforeACrashIsNotFoundThenPaysThatSameInvoice()
    {
        var lnurl = _lnurl.LnurlFor("bob");
        var attempt = await Prepared(LnurlRail(), Attempt((lnurl, 40_000)));
        var issued = Assert.Single(_lnurl.InvoicesIssued("bob"));

        var restarted = LnurlRail();
        Assert.IsType<SendOutcome.NotFound>((await restarted.Status(attempt, Ct))["p1"]);
        AssertProof((await restarted.Execute(attempt, Ct))["p1"], issued.PaymentHash);

        Assert.Single(_lnurl.InvoicesIssued("bob"));
        AssertPaidOnce(_node, issued.PaymentHash, Bob, 40_000);
    }

    private static readonly Dictionary<string, LnurlMisbehavior> Misbehaviors = new()
    {
        ["another amount"] = new() { ExtraAmountMsat = 1_000 },
        ["a wrong description hash"] = new() { WrongDescriptionHash = true },
        ["another network"] = new() { OtherNetwork = true },
        ["an expired invoice"] = new() { ExpiredInvoice = true },
        ["HTTP 500"] = new() { Http500 = true },
        ["status ERROR"] = new() { ErrorReason = "Alice is on holiday" },
    };

    public static TheoryData<string, string> MisbehaviorCases => new()
    {
        { "another amount", "from the LNURL service is for 31000 msat, not the 30000 msat asked for" },
        { "a wrong description hash", "does not commit to its metadata (description hash mismatch)" },
        { "another network", "is a mainnet invoice but the node is on regtest" },
        { "an expired invoice", "expired at" },
        { "HTTP 500", "answered HTTP 500" },
        { "status ERROR", "refused: Alice is on holiday" },
    };

    [Theory]
    [MemberData(nameof(MisbehaviorCases))]
    public async Task ServiceAnsweringWithSomethingUnpayableIsThePayoutsFaultAndNothingIsPaid(string misbehavior, string reason)
    {
        _lnurl.SetMisbehavior("alice", Misbehaviors[misbehavior]);

        var prepared = await LnurlRail().Prepare(Attempt((Address, 30_000)), Processor(), Ct);

        var rejected = prepared.Rejected["p1"];
        Assert.True(rejected.Culprit);
        Assert.Contains(reason, rejected.Reason, StringComparison.Ordinal);
        Assert.Empty(prepared.References);
        Assert.Empty(LightningArtifact.Read(prepared.Artifact).Payments);
        Assert.Equal(0, _node.CallCount);
        Assert.Empty(Network.Attempts);
        Assert.Empty(Network.Ledger);
    }

    [Fact]
    public async Task ServiceHandingOneInvoiceToTwoPayoutsGetsTheSecondRejectedAndTheInvoicePaidOnce()
    {
        using var http = new HttpClient(new RepeatFirstInvoice());
        var settings = Settings(_node.ConnectionString());
        var rail = new LightningRail(Registry().LightningNode(settings), settings, new LnurlPayResolver(http, Options), Clock);

        var attempt = await Prepared(rail, Attempt((Address, 20_000), (Address, 20_000)));

        var issued = Assert.Single(_lnurl.InvoicesIssued("alice"));
        Assert.Equal(issued.PaymentHash, attempt.Payouts[0].Reference);
        var second = Assert.Single(attempt.Payouts, p => p.PayoutId == "p2");
        Assert.Equal(AttemptPayoutState.Failed, second.State);
        Assert.Contains("the payment hash of another payout of this batch", second.Detail, StringComparison.Ordinal);

        var executed = await rail.Execute(attempt, Ct);
        AssertProof(Assert.Single(executed).Value, issued.PaymentHash);
        AssertPaidOnce(_node, issued.PaymentHash, Alice, 20_000);
        Assert.Single(Network.Ledger);
    }

    [Fact]
    public async Task AmountOutsideWhatTheServiceAcceptsIsRejectedBeforeAnyInvoice()
    {
        var prepared = await LnurlRail().Prepare(Attempt((_lnurl.LnurlFor("bob"), 60_000)), Processor(), Ct);

        Assert.Contains("accepts 1000–50000 msat, not 60000 msat", prepared.Rejected["p1"].Reason, StringComparison.Ordinal);
        Assert.Empty(_lnurl.InvoicesIssued("bob"));
        Assert.Equal(0, _node.CallCount);
    }

    [Fact]
    public async Task PrivateHostsAreRefusedUnlessAllowedAndNothingIsAskedOfThem()
    {
        // Production options: the simulator on 127.0.0.1 is a private host.
        var rail = Rail(_node, lnurl: new LnurlOptions { AddressHosts = Options.AddressHosts });

        var prepared = await rail.Prepare(Attempt((_lnurl.LnurlFor("alice"), 30_000), (Address, 30_000)), Processor(), Ct);

        Assert.All(prepared.Rejected.Values, r =>
        {
            Assert.True(r.Culprit);
            Assert.Contains("127.0.0.1 is a private or loopback host", r.Reason, StringComparison.Ordinal);
        });
        Assert.Equal(2, prepared.Rejected.Count);
        Assert.Empty(_lnurl.Calls);
        Assert.Equal(0, _node.CallCount);
    }

    [Fact]
    public void AddressHostsSendALightningAddressToItsMappedServerAndOthersToTheirHttpsWellKnownUrl()
    {
        using var http = new HttpClient();
        var mapped = new LnurlPayResolver(http, Options);
        var unmapped = new LnurlPayResolver(http, new LnurlOptions());

        Assert.Equal(new Uri(_lnurl.BaseUrl, ".well-known/lnurlp/alice"), mapped.Locate(Address));
        Assert.Equal(new Uri("https://pay.test/.well-known/lnurlp/alice"), unmapped.Locate(Address));
        Assert.Equal(new Uri(_lnurl.BaseUrl, "lnurlp/alice"), mapped.Locate(_lnurl.LnurlFor("alice")));
        Assert.Throws<LnurlException>(() => unmapped.Locate(_lnurl.LnurlFor("alice")));
    }

    /// <summary>An LNURL service that answers every callback with the first invoice it issued (buggy, or hoping to be paid once for two).</summary>
    private sealed class RepeatFirstInvoice() : DelegatingHandler(new SocketsHttpHandler())
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private string? _first;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            if (!request.RequestUri!.AbsolutePath.EndsWith("/callback", StringComparison.Ordinal)) return await base.SendAsync(request, ct);
            await _gate.WaitAsync(ct);
            try
            {
                if (_first is null)
                {
                    using var response = await base.SendAsync(request, ct);
                    _first = await response.Content.ReadAsStringAsync(ct);
                }
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(_first, Encoding.UTF8, "application/json") };
            }
            finally
            {
                _gate.Release();
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _gate.Dispose();
            base.Dispose(disposing);
        }
    }
}
