using System.Collections.Concurrent;
using System.Security.Cryptography;
using Payouts.Core.Lightning;
using Payouts.Core.Processors;
using Payouts.Core.Sending;

namespace Payouts.Rails.Lightning;

/// <summary>
/// Pays Lightning payouts through a store's LND or Core Lightning node (DESIGN §4, §6). Prepare checks each invoice —
/// fetching a Lightning address's or LNURL's invoice first — and commits it; execute pays them, a few at a time; status
/// asks the node what became of each hash. Only a payment the node reports FAILED, or one it never created, counts as
/// not sent: anything else is tracked until it ends, so a payout never gets a second invoice while its first could pay.
/// </summary>
public sealed class LightningRail(ILightningNode node, LightningRailSettings settings, LnurlPayResolver lnurl, TimeProvider time) : IPayoutRail
{
    /// <summary>How long a run waits for a payment before leaving it in flight for the reconciler to track: short, because a
    /// run must end well inside its processor lease (the scheduler cancels it at half the lease).</summary>
    public static readonly TimeSpan WaitMax = TimeSpan.FromSeconds(10);

    public async Task<PrepareResult> Prepare(SendAttempt attempt, ProcessorSettings processor, CancellationToken ct)
    {
        var prepared = new ConcurrentDictionary<string, LightningArtifactPayment>(StringComparer.Ordinal);
        var rejected = new ConcurrentDictionary<string, SendOutcome.NotSent>(StringComparer.Ordinal);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = settings.Sending.ParallelPayments, CancellationToken = ct };
        await Parallel.ForEachAsync(attempt.Payouts, parallel, async (p, token) =>
        {
            var (payment, error) = await PrepareOne(p, processor.Policy, token);
            if (payment is not null) prepared[p.PayoutId] = payment;
            else rejected[p.PayoutId] = new SendOutcome.NotSent(error!, Culprit: true);
        });

        // Two payouts must never share one hash: paying it once would settle both. Creation refuses a BOLT11 whose hash
        // the store already has; a service handing one invoice out twice is caught here.
        var payments = new List<LightningArtifactPayment>();
        foreach (var p in prepared.Values.OrderBy(p => p.PayoutId, StringComparer.Ordinal))
        {
            if (payments.Any(q => q.PaymentHash == p.PaymentHash))
                rejected[p.PayoutId] = new SendOutcome.NotSent($"its invoice has the payment hash of another payout of this batch ({p.PaymentHash})", Culprit: true);
            else
                payments.Add(p);
        }
        var artifact = new LightningArtifact(LightningArtifact.KindName, Core.Bitcoin.BitcoinNetworks.Name(settings.Network), payments);
        return new PrepareResult(artifact.ToJson(), payments.ToDictionary(p => p.PayoutId, p => p.PaymentHash, StringComparer.Ordinal),
            new Dictionary<string, SendOutcome.NotSent>(rejected, StringComparer.Ordinal));
    }

    private async Task<(LightningArtifactPayment?, string?)> PrepareOne(AttemptPayout p, ProcessorPolicy policy, CancellationToken ct)
    {
        if (Bolt11Invoice.BtcToMsat(p.Amount) is not { } amountMsat || amountMsat <= 0)
            return (null, $"the amount {p.Amount} BTC is not a whole number of millisatoshis");
        var type = AddressTypes.Of(Contracts.PayoutMethodId.BtcLightning, p.Destination);
        Bolt11Invoice invoice;
        if (type == AddressTypes.Bolt11)
        {
            if (!Bolt11Invoice.TryParse(p.Destination, out var parsed, out var parseError)) return (null, $"the invoice {parseError}");
            invoice = parsed;
        }
        else
        {
            // Fetched here, once per attempt, and committed with the artifact: a retry of this attempt pays this invoice.
            LnurlInvoice fetched;
            try
            {
                fetched = await lnurl.Resolve(p.Destination, amountMsat, ct);
            }
            catch (LnurlException e)
            {
                return (null, $"LNURL-pay: {e.Message}");
            }
            if (!Bolt11Invoice.TryParse(fetched.Invoice, out var parsed, out var parseError))
                return (null, $"the invoice from the LNURL service {parseError}");
            if (LightningInvoiceRules.CheckLnurlInvoice(parsed, fetched.Metadata, amountMsat) is { } lnurlError)
                return (null, $"the invoice {lnurlError}");
            invoice = parsed;
        }
        if (LightningInvoiceRules.CheckBeforePaying(invoice, settings.Network, amountMsat, time.GetUtcNow(), settings.PaymentTimeout) is { } error)
            return (null, $"the invoice {error}");
        return (new LightningArtifactPayment(p.PayoutId, p.Destination, invoice.Text, invoice.PaymentHash, amountMsat,
            Amountless: invoice.AmountMsat is null, LightningFees.LimitMsat(policy, amountMsat)), null);
    }

    public async Task<IReadOnlyDictionary<string, SendOutcome>> Execute(SendAttempt attempt, CancellationToken ct)
    {
        var artifact = LightningArtifact.Read(attempt.Artifact);
        var wanted = attempt.Payouts.Where(p => p.IsLive && p.Reference is not null).Select(p => p.PayoutId).ToHashSet(StringComparer.Ordinal);
        var results = new ConcurrentDictionary<string, SendOutcome>(StringComparer.Ordinal);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = settings.Sending.ParallelPayments, CancellationToken = ct };
        await Parallel.ForEachAsync(artifact.Payments.Where(p => wanted.Contains(p.PayoutId)), parallel,
            async (p, token) => results[p.PayoutId] = await Pay(p, token));
        return results;
    }

    private async Task<SendOutcome> Pay(LightningArtifactPayment p, CancellationToken ct)
    {
        var request = new LightningPayRequest(p.Invoice, p.PaymentHash, p.Amountless ? p.AmountMsat : null, p.FeeLimitMsat,
            settings.PaymentTimeout, settings.PaymentTimeout < WaitMax ? settings.PaymentTimeout : WaitMax);
        try
        {
            return Outcome(await node.Pay(request, ct));
        }
        catch (LightningRefusedException e) when (e.Refusal == LightningRefusal.InFlight)
        {
            return new SendOutcome.InFlight(e.Message);
        }
        catch (LightningRefusedException e) when (e.Refusal == LightningRefusal.AlreadyPaid)
        {
            // Our node paid this hash before (a lost answer, then a re-send): the next status check reads its preimage.
            return new SendOutcome.Unknown(e.Message);
        }
        catch (LightningRefusedException e) when (e.Refusal == LightningRefusal.Unauthorized)
        {
            // The node turned our credentials away before reading the request, so this send made no payment; asking it
            // for one would be turned away too. Execute only runs for a hash the node never saw (first send, or after
            // NotFound), so nothing else of ours can be paying it. The store's configuration is at fault, not the payout.
            return new SendOutcome.NotSent(e.Message, Culprit: false);
        }
        catch (LightningRefusedException e)
        {
            // A refusal is proof only together with the node having no payment of this hash.
            LightningPayment? tracked;
            try
            {
                tracked = await node.Track(p.PaymentHash, ct);
            }
            catch (Exception t) when (t is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // Without that word the refusal proves nothing; and thrown, it would lose the batch's other outcomes.
                return new SendOutcome.Unknown($"{e.Message}; asking the node for the payment then failed: {t.Message}");
            }
            if (tracked is not null) return Outcome(tracked);
            return new SendOutcome.NotSent(e.Message, Culprit: e.Refusal == LightningRefusal.BadInvoice);
        }
        catch (LightningUnavailableException e)
        {
            return new SendOutcome.NotSent(e.Message, Culprit: false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Timed out or cut off after the request left: the node may be paying it. Tracked, never re-sent as new.
            return new SendOutcome.Unknown($"{e.GetType().Name}: {e.Message}");
        }
    }

    public async Task<IReadOnlyDictionary<string, SendOutcome>> Status(SendAttempt attempt, CancellationToken ct)
    {
        var results = new Dictionary<string, SendOutcome>(StringComparer.Ordinal);
        foreach (var p in attempt.Payouts.Where(p => p.IsWatched && p.Reference is not null))
            results[p.PayoutId] = await node.Track(p.Reference!, ct) is { } tracked ? Outcome(tracked) : new SendOutcome.NotFound();
        return results;
    }

    /// <summary>A Lightning payment is final once settled: nothing to replace.</summary>
    public Task<string?> Replacement(SendAttempt attempt, CancellationToken ct) => Task.FromResult<string?>(null);

    public Task<LightningNodeInfo> Test(CancellationToken ct) => node.GetInfo(ct);

    private static SendOutcome Outcome(LightningPayment payment) => payment.Status switch
    {
        LightningPaymentStatus.Succeeded when IsPreimageOf(payment.Preimage, payment.PaymentHash) =>
            new SendOutcome.Succeeded(LightningProof.Json(payment.PaymentHash, payment.Preimage!)),
        // A success without a preimage that hashes to the payment hash proves nothing: ask again later.
        LightningPaymentStatus.Succeeded => new SendOutcome.Unknown($"the node reports success without a valid preimage for {payment.PaymentHash}"),
        LightningPaymentStatus.Failed => new SendOutcome.NotSent($"the payment failed: {payment.FailureReason ?? "no reason given"}",
            Culprit: !payment.InsufficientBalance),
        LightningPaymentStatus.InFlight => new SendOutcome.InFlight($"payment {payment.PaymentHash} in flight"),
    };

    private static bool IsPreimageOf(string? preimage, string hash) =>
        preimage is { Length: 64 } && preimage.All(char.IsAsciiHexDigit)
        && string.Equals(Convert.ToHexStringLower(SHA256.HashData(Convert.FromHexString(preimage))), hash, StringComparison.OrdinalIgnoreCase);
}
