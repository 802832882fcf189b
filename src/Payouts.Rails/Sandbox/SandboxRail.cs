using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Payouts.Contracts;
using Payouts.Core.Sending;

namespace Payouts.Rails.Sandbox;

/// <summary>
/// The test-mode rail (DESIGN §6): a simulated wallet with a balance and fees, on-chain batches as one transaction
/// confirming after blocks, Lightning as one payment per payout, and the fault triggers of <see cref="SandboxTriggers"/>.
/// Its artifacts are deterministic (txid and payment hashes derive from the attempt), so executing one twice is a
/// re-broadcast: the ledger gains nothing.
/// </summary>
public sealed class SandboxRail(PayoutMethodId method, ISandboxStore store, SandboxOptions options, TimeProvider time) : IPayoutRail
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private bool OnChain => method == PayoutMethodId.BtcChain;

    public async Task<PrepareResult> Prepare(SendAttempt attempt, Core.Processors.ProcessorSettings settings, CancellationToken ct)
    {
        var rejected = new Dictionary<string, SendOutcome.NotSent>(StringComparer.Ordinal);
        var candidates = new List<AttemptPayout>();
        foreach (var p in attempt.Payouts)
        {
            if (SandboxTriggers.Of(p.Amount) == SandboxTrigger.InsufficientFunds)
                rejected[p.PayoutId] = new SendOutcome.NotSent("sandbox: insufficient funds for this payout (trigger 402)", Culprit: true);
            else
                candidates.Add(p);
        }
        // Like a wallet funding a batch: the smallest payouts that fit go; the rest wait for funds.
        var balance = await store.SandboxBalance(attempt.StoreId, method, options.InitialBalance, ct);
        var included = new List<AttemptPayout>();
        var spent = OnChain ? options.ChainFeePerBatch : 0m;
        foreach (var p in candidates.OrderBy(p => p.Amount).ThenBy(p => p.PayoutId, StringComparer.Ordinal))
        {
            var cost = p.Amount + (OnChain ? 0m : options.LightningFeePerPayment);
            if (spent + cost > balance)
            {
                rejected[p.PayoutId] = new SendOutcome.NotSent($"sandbox: wallet balance {balance} BTC cannot fund it", Culprit: false);
                continue;
            }
            spent += cost;
            included.Add(p);
        }

        var txid = Hash(attempt.Id);
        var outputs = included.Select(p => new ArtifactOutput(p.PayoutId, p.Destination, p.Amount,
            OnChain ? txid : Hash($"{attempt.Id}/{p.PayoutId}"))).ToList();
        var artifact = JsonSerializer.Serialize(new Artifact(OnChain ? "chain" : "lightning", OnChain ? txid : null, outputs), Json);
        return new PrepareResult(artifact, outputs.ToDictionary(o => o.PayoutId, o => o.Reference, StringComparer.Ordinal), rejected);
    }

    public async Task<IReadOnlyDictionary<string, SendOutcome>> Execute(SendAttempt attempt, CancellationToken ct)
    {
        var artifact = Read(attempt);
        var wanted = attempt.Payouts.Where(p => p.IsLive && p.Reference is not null).Select(p => p.PayoutId).ToHashSet(StringComparer.Ordinal);
        var results = new Dictionary<string, SendOutcome>(StringComparer.Ordinal);
        if (OnChain)
        {
            if (artifact.Outputs.Count == 0) return results;
            var outcome = await SendChain(attempt, artifact, ct);
            foreach (var o in artifact.Outputs.Where(o => wanted.Contains(o.PayoutId)))
                results[o.PayoutId] = outcome(o);
            return results;
        }
        foreach (var o in artifact.Outputs.Where(o => wanted.Contains(o.PayoutId)))
            results[o.PayoutId] = await SendLightning(attempt, o, ct);
        return results;
    }

    public async Task<IReadOnlyDictionary<string, SendOutcome>> Status(SendAttempt attempt, CancellationToken ct)
    {
        var results = new Dictionary<string, SendOutcome>(StringComparer.Ordinal);
        var now = time.GetUtcNow();
        foreach (var p in attempt.Payouts.Where(p => p.IsWatched && p.Reference is not null))
        {
            var tx = await store.SandboxTransactionGet(p.Reference!, ct);
            results[p.PayoutId] = tx is null ? new SendOutcome.NotFound()
                : now >= tx.SettlesAt ? new SendOutcome.Succeeded(Proof(p.Reference!))
                : OnChain ? new SendOutcome.Sent($"sandbox: confirms at {tx.SettlesAt:O}")
                : new SendOutcome.InFlight($"sandbox: settles at {tx.SettlesAt:O}");
        }
        return results;
    }

    /// <summary>The sandbox confirms on schedule: nothing gets stuck, so nothing is bumped.</summary>
    public Task<string?> Replacement(SendAttempt attempt, CancellationToken ct) => Task.FromResult<string?>(null);

    private async Task<Func<ArtifactOutput, SendOutcome>> SendChain(SendAttempt attempt, Artifact artifact, CancellationToken ct)
    {
        var triggers = artifact.Outputs.ToDictionary(o => o.PayoutId, o => SandboxTriggers.Of(o.Amount), StringComparer.Ordinal);
        if (triggers.Values.Contains(SandboxTrigger.FailsDefinitively))
            // The node rejects the whole transaction; only the payout that caused it is at fault.
            return o => new SendOutcome.NotSent("sandbox: transaction rejected for good (trigger 400)",
                Culprit: triggers[o.PayoutId] == SandboxTrigger.FailsDefinitively);
        var now = time.GetUtcNow();
        var settles = now + options.BlockInterval * options.Confirmations
            + (triggers.Values.Contains(SandboxTrigger.StaysInFlight) ? options.InFlight : TimeSpan.Zero);
        var result = await store.SandboxSend(new SandboxSend(artifact.Txid!, attempt.StoreId, method, options.ChainFeePerBatch,
            artifact.Outputs.Select(o => new SandboxOutput(o.PayoutId, o.Destination, o.Amount)).ToList(),
            "sent", now, settles, options.InitialBalance), ct);
        if (result == SandboxSendResult.InsufficientFunds)
            return _ => new SendOutcome.NotSent("sandbox: insufficient funds when broadcasting", Culprit: false);
        if (triggers.Values.Contains(SandboxTrigger.TimesOutAfterSending))
            return _ => new SendOutcome.Unknown("sandbox: broadcast timed out after the transaction left (trigger 408)");
        return _ => new SendOutcome.Sent($"sandbox: broadcast {artifact.Txid}");
    }

    private async Task<SendOutcome> SendLightning(SendAttempt attempt, ArtifactOutput o, CancellationToken ct)
    {
        var trigger = SandboxTriggers.Of(o.Amount);
        if (trigger == SandboxTrigger.FailsDefinitively)
            return new SendOutcome.NotSent("sandbox: payment failed for good, no route (trigger 400)", Culprit: true);
        var now = time.GetUtcNow();
        var inFlight = trigger == SandboxTrigger.StaysInFlight;
        var result = await store.SandboxSend(new SandboxSend(o.Reference, attempt.StoreId, method, options.LightningFeePerPayment,
            [new SandboxOutput(o.PayoutId, o.Destination, o.Amount)], inFlight ? "in_flight" : "succeeded", now,
            inFlight ? now + options.InFlight : now, options.InitialBalance), ct);
        if (result == SandboxSendResult.InsufficientFunds)
            return new SendOutcome.NotSent("sandbox: insufficient funds", Culprit: false);
        if (trigger == SandboxTrigger.TimesOutAfterSending)
            return new SendOutcome.Unknown("sandbox: payment timed out after the money left (trigger 408)");
        if (result == SandboxSendResult.AlreadySent)
            return (await Status(attempt with { Payouts = [attempt.Payouts.First(p => p.PayoutId == o.PayoutId)] }, ct))[o.PayoutId];
        return inFlight ? new SendOutcome.InFlight("sandbox: payment in flight (trigger 102)") : new SendOutcome.Succeeded(Proof(o.Reference));
    }

    private string Proof(string reference) => OnChain
        ? JsonSerializer.Serialize(new { proofType = "PayoutTransactionOnChainBlob", transactionId = reference, candidates = new[] { reference } }, Json)
        : JsonSerializer.Serialize(new { proofType = "PayoutLightningBlob", id = reference }, Json);

    private static Artifact Read(SendAttempt attempt) =>
        JsonSerializer.Deserialize<Artifact>(attempt.Artifact ?? throw new Core.InvariantViolationException("executing an attempt without an artifact"), Json)
        ?? throw new Core.InvariantViolationException("unreadable sandbox artifact");

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private sealed record Artifact(string Kind, string? Txid, IReadOnlyList<ArtifactOutput> Outputs);

    private sealed record ArtifactOutput(string PayoutId, string Destination, decimal Amount, string Reference);
}
