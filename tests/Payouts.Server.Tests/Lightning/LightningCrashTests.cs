using Payouts.Core.Sending;
using Payouts.Server.Tests.Support;
using Payouts.Simulators.Lightning;
using Payouts.Simulators.Lightning.Lnd;
using Payouts.Simulators.Lightning.Lnurl;

namespace Payouts.Server.Tests.LightningPayouts;

/// <summary>
/// DESIGN §4 for the Lightning rail with real node processes on PostgreSQL and LND and an LNURL service (simulators
/// in this process, which outlive the nodes as real ones would): a node killed right after committing the attempt
/// (the Lightning address's invoice fetched and committed, nothing paid) or right after paying (nothing recorded)
/// leaves an attempt that the restarted node, or another node once the lease has expired, finishes from the committed
/// invoices. The Lightning address is asked for one invoice only, and each invoice is paid once.
/// </summary>
public sealed class LightningCrashTests
{
    private const string Restart = "restart the killed node";
    private const string TakeOver = "a second node takes over";
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    public static TheoryData<string, string> Cases => new()
    {
        { FailpointNames.AfterPrepare, Restart },
        { FailpointNames.AfterExecute, TakeOver },
    };

    private static Dictionary<string, string> Settings(string connectionString, string nodeId, string? failpoint, LnurlPaySimulator lnurl)
    {
        var settings = CrashNodes.Settings("postgres", connectionString, nodeId, failpoint);
        // A cold process's first run (an LNURL round trip, then the payments) must fit in half the lease.
        settings["Payouts__Processors__LeaseTtlSeconds"] = "6";
        foreach (var (k, v) in SandboxSettings.AsEnvironment(Ln.NodeSettings(lnurl))) settings[k] = v;
        return settings;
    }

    // Proves, for a kill after prepare (restart) and after execute (takeover): the killed node committed one attempt
    // holding both invoices — the Lightning address's fetched one among them — and died (after prepare: nothing paid;
    // after execute: both paid); the surviving node pays or finds those same invoices: both payouts Completed with
    // the preimage of their invoice as proof, errorCount 0, one attempt each; the LNURL service issued exactly one
    // invoice, the one paid; LND received one send per payout and the payees settled each invoice once.
    [PostgresTheory, MemberData(nameof(Cases))]
    public async Task ANodeKilledMidSendLeavesAnAttemptTheSurvivorFinishesWithOnePaymentPerInvoice(string failpoint, string recovery)
    {
        var work = Directory.CreateTempSubdirectory("payouts-ln-crash-").FullName;
        var network = new LightningNetworkSim();
        await using var lnd = await LndSimulator.Start(network);
        await using var lnurl = await LnurlPaySimulator.Start(network);
        lnurl.AddUser("alice");
        var invoice = network.CreateInvoice(network.AddPayee("shop"), 1_100_000);
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var probe = new SandboxProbe("postgres", connectionString);
        try
        {
            string storeId, bolt11Id, addressId;
            await using (var a = await NodeProcess.Start(Settings(connectionString, "node-a", failpoint, lnurl), work))
            {
                using var client = a.Client();
                storeId = await Http.CreateStore(client);
                await Ln.ConfigureRail(client, storeId, Ln.LndConnectionString(lnd));
                bolt11Id = await Ln.CreateApproved(client, storeId, invoice);
                addressId = await Ln.CreateApproved(client, storeId, Ln.Address("alice"), "0.000012");
                try
                {
                    await Ln.PutProcessor(client, storeId);
                }
                catch (HttpRequestException) when (a.HasExited)
                {
                    // The first run can reach the failpoint before the answer is written; the settings were committed.
                }
                await CrashNodes.WaitForExit(a, $"Failpoint {failpoint} hit", ExitTimeout);
            }

            var fetched = Assert.Single(lnurl.InvoicesIssued("alice"));
            var hashes = new Dictionary<string, string> { [bolt11Id] = Ln.PaymentHash(invoice), [addressId] = fetched.PaymentHash };
            Assert.Equal(failpoint == FailpointNames.AfterPrepare ? 0 : 2, lnd.CallsTo("/v2/router/send").Count);
            Assert.Equal(failpoint == FailpointNames.AfterPrepare ? 0 : 2, network.Ledger.Count);
            foreach (var (id, hash) in hashes)
            {
                var attempt = Assert.Single(await probe.Attempts(id));
                Assert.Equal(("prepared", true, hash), (attempt.AttemptState, attempt.HasArtifact, attempt.Reference));
            }

            await using var survivor = await NodeProcess.Start(Settings(connectionString, recovery == Restart ? "node-a" : "node-b", null, lnurl), work);
            using var admin = survivor.Client();
            await SandboxHttp.WaitForStates(admin, storeId, hashes.Keys, "Completed", Ln.Deadline);

            foreach (var (id, hash) in hashes)
            {
                var payout = await SandboxHttp.Payout(admin, storeId, id);
                var preimage = Ln.AssertPreimageProof(payout, hash);
                Assert.Equal(0, SandboxHttp.ErrorCount(payout));
                Assert.Single(await probe.Attempts(id));
                Assert.Equal(preimage, Assert.Single(network.PaymentsSettled(hash)).PreimageHex);
                Assert.Single(lnd.PaymentsFor(hash));
            }
            Assert.Single(lnurl.InvoicesIssued("alice"));
            Assert.Equal(fetched.PaymentHash, Assert.Single(lnurl.PaidInvoices("alice")).PaymentHash);
            Assert.Equal(2, lnd.CallsTo("/v2/router/send").Count);
            network.AssertNoDoublePayment();
            Assert.DoesNotContain("Failpoint", survivor.Output, StringComparison.Ordinal);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }
}
