using System.Text.Json;
using System.Text.Json.Nodes;
using Payouts.Core.Bitcoin;
using Payouts.Core.Processors;
using Payouts.Core.Sending;

namespace Payouts.Rails.Bitcoin;

/// <summary>
/// Sends a store's on-chain batches through its Bitcoin Core wallet (DESIGN §4, §6); the wallet holds the keys.
/// Prepare builds and signs one transaction for the batch (walletcreatefundedpsbt → walletprocesspsbt →
/// finalizepsbt) and returns it to be committed; Execute only broadcasts committed bytes; Status follows the
/// committed versions in the wallet (confirmations, eviction, conflicts, reorgs); Replacement builds a fee bump.
/// </summary>
public sealed class BitcoinCoreRail(BitcoindRpcClient rpc, BitcoinRailSettings settings, TimeProvider time) : IPayoutRail
{
    private const decimal SatsPerBtc = 100_000_000m;
    /// <summary>Refunding attempts after "insufficient funds", each with fewer payouts.</summary>
    private const int FundingTriesMax = 12;

    private BitcoinTracking Tracking => settings.Tracking;

    public async Task<PrepareResult> Prepare(SendAttempt attempt, ProcessorSettings processor, CancellationToken ct)
    {
        var rejected = new Dictionary<string, SendOutcome.NotSent>(StringComparer.Ordinal);
        var candidates = Candidates(attempt, rejected);
        var fees = BitcoinFeePolicy.From(processor);
        if (candidates.Count == 0) return Empty(fees, rejected);
        try
        {
            var rate = OnChainFees.Rate(fees.ToPolicy(), await Estimate(fees.BlockTarget, ct));
            var (funded, included) = await Fund(candidates, rate, ct);
            foreach (var c in candidates.Where(c => !included.Contains(c)))
                rejected[c.PayoutId] = new SendOutcome.NotSent(
                    "the wallet cannot fund it now; it waits for the next run (smaller payouts went first)", Culprit: false);
            if (funded is null) return Empty(fees, rejected);
            var version = await Sign(funded, rate, fees, ct);
            if (version is null)
            {
                foreach (var c in included)
                    rejected[c.PayoutId] = new SendOutcome.NotSent(
                        $"the batch fee would exceed the cap of {fees.BatchFeeMax} BTC (batchFeeMax); nothing was sent", Culprit: false);
                return Empty(fees, rejected);
            }
            CheckPays(version, included);
            var outputs = included.Select(c => new BitcoinArtifactOutput(c.PayoutId, c.Address.Text, c.Amount)).ToList();
            var artifact = new BitcoinArtifact(BitcoinArtifact.KindName, BitcoinNetworks.Name(settings.Network), fees, outputs, [version]);
            return new PrepareResult(artifact.ToJson(), outputs.ToDictionary(o => o.PayoutId, _ => version.Txid, StringComparer.Ordinal), rejected);
        }
        catch (Exception ex) when (IsNodeTrouble(ex))
        {
            // Nothing was signed into an artifact, so nothing can leave: the batch waits for the next run.
            foreach (var c in candidates)
                rejected[c.PayoutId] = new SendOutcome.NotSent($"bitcoind could not build the batch: {Describe(ex)}", Culprit: false);
            return Empty(fees, rejected);
        }
    }

    public async Task<IReadOnlyDictionary<string, SendOutcome>> Execute(SendAttempt attempt, CancellationToken ct)
    {
        var artifact = BitcoinArtifact.Read(attempt.Artifact);
        var live = attempt.Payouts.Where(p => p.IsLive && p.Reference is not null).ToList();
        if (artifact.Versions.Count == 0 || live.Count == 0) return new Dictionary<string, SendOutcome>();
        var latest = artifact.Versions[^1];
        try
        {
            await rpc.Chain("sendrawtransaction", ct, latest.Hex);
            return All(live, new SendOutcome.Sent($"broadcast {latest.Txid}"));
        }
        catch (BitcoindRpcException ex) when (ex.Code is BitcoindRpcException.VerifyAlreadyInChain or BitcoindRpcException.VerifyError
                                                  or BitcoindRpcException.VerifyRejected or BitcoindRpcException.DeserializationError)
        {
            // Already confirmed, conflicting, or refused: what the wallet knows decides. A version the wallet has never
            // seen never entered this node's mempool, and only this service holds its bytes: refused means never sent.
            var status = await Status(attempt, ct);
            return status.Count > 0 && status.Values.All(s => s is SendOutcome.NotFound)
                ? All(live, new SendOutcome.NotSent($"bitcoind refused the transaction ({ex.Code}: {ex.RpcMessage}); it never left", Culprit: false))
                : status;
        }
    }

    public async Task<IReadOnlyDictionary<string, SendOutcome>> Status(SendAttempt attempt, CancellationToken ct)
    {
        var artifact = BitcoinArtifact.Read(attempt.Artifact);
        var watched = attempt.Payouts.Where(p => p.IsWatched && p.Reference is not null).ToList();
        if (artifact.Versions.Count == 0 || watched.Count == 0) return new Dictionary<string, SendOutcome>();

        var known = new List<(BitcoinTxVersion Version, int Confirmations)>();
        foreach (var v in artifact.Versions)
            if (await WalletTransaction(v.Txid, ct) is { } tx)
                known.Add((v, tx["confirmations"]?.GetValue<int>() ?? 0));
        if (known.Count == 0) return All(watched, new SendOutcome.NotFound());

        if (known.Where(k => k.Confirmations > 0).OrderByDescending(k => k.Confirmations).FirstOrDefault() is { Version: not null } mined)
        {
            var proof = Proof(mined.Version.Txid, artifact);
            return All(watched, mined.Confirmations >= Tracking.FinalConfirmations ? new SendOutcome.Succeeded(proof)
                : mined.Confirmations >= Tracking.MinConfirmations ? new SendOutcome.Succeeded(proof, Final: false)
                : new SendOutcome.Sent($"{mined.Version.Txid} has {mined.Confirmations} of {Tracking.MinConfirmations} confirmations"));
        }
        // Every version spends every input of the first, so a mined transaction spending one of them (not ours: none
        // of ours is mined) kills them all. The wallet reports that as negative confirmations: the conflict's depth.
        if (known.FirstOrDefault(k => k.Confirmations <= -Tracking.MinConfirmations) is { Version: not null } dead)
        {
            foreach (var v in artifact.Versions) await Abandon(v.Txid, ct);
            return All(watched, new SendOutcome.NotSent(
                $"its inputs were spent by another transaction, {-dead.Confirmations} block(s) deep: {dead.Version.Txid} can never confirm", Culprit: false));
        }
        return All(watched, new SendOutcome.Sent(await EnsureBroadcast(artifact.Versions[^1], ct)));
    }

    public async Task<string?> Replacement(SendAttempt attempt, CancellationToken ct)
    {
        if (Tracking.FeeBumpAfterMinutes == 0) return null;
        var artifact = BitcoinArtifact.Read(attempt.Artifact);
        if (artifact.Versions.Count == 0) return null;
        var latest = artifact.Versions[^1];
        var now = time.GetUtcNow();
        if (now - DateTimeOffset.FromUnixTimeMilliseconds(latest.CreatedAtMs) < TimeSpan.FromMinutes(Tracking.FeeBumpAfterMinutes)) return null;
        if (await WalletTransaction(latest.Txid, ct) is not { } tx || (tx["confirmations"]?.GetValue<int>() ?? 0) != 0) return null;
        var rate = OnChainFees.BumpRate(artifact.Fees.ToPolicy(), latest.FeeRate, await Estimate(artifact.Fees.BlockTarget, ct));
        if (rate is null) return null;
        JsonNode? bumped;
        try
        {
            bumped = await rpc.Wallet("psbtbumpfee", ct, latest.Txid, new Dictionary<string, object> { ["fee_rate"] = rate.Value });
        }
        catch (BitcoindRpcException)
        {
            // Descendants spend its change, it was mined meanwhile, …: no bump now; the wallet's answer is logged by the caller's next pass.
            return null;
        }
        var version = await Sign(bumped!, rate.Value, artifact.Fees, ct);
        if (version is null) return null;
        // The rule that makes a bump safe (DESIGN §4): the replacement spends every input of the first version, so a
        // confirmation of any version makes every other one invalid.
        var first = artifact.Versions[0].Inputs.ToHashSet(StringComparer.Ordinal);
        if (!first.IsSubsetOf(version.Inputs))
            throw new Core.InvariantViolationException($"fee bump {version.Txid} does not spend every input of {artifact.Versions[0].Txid}");
        CheckPays(version, artifact.Outputs.Select(Committed).ToList());
        return (artifact with { Versions = [.. artifact.Versions, version] }).ToJson();
    }

    /// <summary>The connection check: the node answers, is on the configured network, and the wallet is loaded and can sign.</summary>
    public async Task<BitcoinConnectionReport> Test(CancellationToken ct)
    {
        var chain = await rpc.Chain("getblockchaininfo", ct);
        var network = await rpc.Chain("getnetworkinfo", ct);
        var wallet = await rpc.Wallet("getwalletinfo", ct);
        var balances = await rpc.Wallet("getbalances", ct);
        var chainName = chain?["chain"]?.GetValue<string>() ?? "";
        BitcoinNetworks.TryParse(chainName, out var actual);
        var problems = new List<string>();
        if (actual != settings.Network)
            problems.Add($"the node is on {chainName}, but this rail is configured for {BitcoinNetworks.Name(settings.Network)}");
        if (wallet?["private_keys_enabled"]?.GetValue<bool>() == false)
            problems.Add($"wallet '{settings.Wallet}' is watch-only: it cannot sign payouts");
        return new BitcoinConnectionReport(
            chainName, chain?["blocks"]?.GetValue<long>() ?? 0, network?["version"]?.GetValue<long>() ?? 0,
            network?["subversion"]?.GetValue<string>(), settings.Wallet,
            balances?["mine"]?["trusted"]?.GetValue<decimal>() ?? 0m, balances?["mine"]?["untrusted_pending"]?.GetValue<decimal>() ?? 0m,
            problems);
    }

    /// <summary>A payout the wallet can pay: its parsed address and its amount in sats.</summary>
    private sealed record Planned(string PayoutId, decimal Amount, BitcoinAddress Address, long Sats);

    private static Planned Committed(BitcoinArtifactOutput o) =>
        new(o.PayoutId, o.Amount,
            BitcoinAddress.TryParse(o.Address, null, out var a, out _) ? a : throw new Core.InvariantViolationException($"artifact address {o.Address} does not parse"),
            (long)(o.Amount * SatsPerBtc));

    /// <summary>Payouts this wallet can pay at all; the others are refused here, each with the reason.</summary>
    private List<Planned> Candidates(SendAttempt attempt, Dictionary<string, SendOutcome.NotSent> rejected)
    {
        var planned = new List<Planned>();
        var scripts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in attempt.Payouts)
        {
            if (!BitcoinAddress.TryParse(p.Destination, settings.Network, out var address, out var error))
            {
                rejected[p.PayoutId] = new SendOutcome.NotSent($"the destination {error}", Culprit: true);
                continue;
            }
            var sats = p.Amount * SatsPerBtc;
            if (sats != decimal.Truncate(sats))
                rejected[p.PayoutId] = new SendOutcome.NotSent($"{p.Amount} BTC has more than 8 decimals", Culprit: true);
            else if (sats < address.DustLimitSats)
                rejected[p.PayoutId] = new SendOutcome.NotSent(
                    $"{p.Amount} BTC is below the dust limit of a {address.Type} output ({address.DustLimitSats} sat)", Culprit: true);
            else if (!scripts.Add(Convert.ToHexString(address.ScriptPubKey)))
                // Bitcoin Core refuses a transaction paying one address twice; the second waits for the next batch.
                rejected[p.PayoutId] = new SendOutcome.NotSent("another payout of this batch pays the same address", Culprit: false);
            else
                planned.Add(new Planned(p.PayoutId, p.Amount, address, (long)sats));
        }
        return planned;
    }

    /// <summary>
    /// Funds the largest set of payouts, smallest first, the wallet can pay: a first guess from the balance, then
    /// fewer payouts after each "insufficient funds". Coins are not locked (lockUnspents): a lock lives in the node's memory
    /// and a run that dies between funding and committing would leak it until the node restarts, starving every later
    /// batch. Without locks, the worst case is two committed batches choosing one coin: they conflict, at most one
    /// confirms, and the other is proven not sent (refused, never seen by the wallet) — a retry, never a double payment.
    /// </summary>
    private async Task<(JsonNode? Funded, IReadOnlySet<Planned> Included)> Fund(List<Planned> candidates, decimal rate, CancellationToken ct)
    {
        var ordered = candidates.OrderBy(c => c.Sats).ThenBy(c => c.PayoutId, StringComparer.Ordinal).ToList();
        var balances = await rpc.Wallet("getbalances", ct);
        var spendable = (long)((balances?["mine"]?["trusted"]?.GetValue<decimal>() ?? 0m) * SatsPerBtc);
        var count = 0;
        long total = 0;
        // ~11 vB of transaction, 68 per P2WPKH input (guess one per 10 outputs), 43 per output at most (P2TR/P2WSH).
        while (count < ordered.Count && total + ordered[count].Sats + (long)(rate * (11 + 68 * (1 + (count + 1) / 10) + 43 * (count + 2))) <= spendable)
            total += ordered[count++].Sats;
        count = Math.Max(count, 1);
        for (var tries = 0; tries < FundingTriesMax && count > 0; tries++)
        {
            var batch = ordered.Take(count).ToList();
            try
            {
                var funded = await rpc.Wallet("walletcreatefundedpsbt", ct,
                    Array.Empty<object>(),
                    batch.Select(c => new Dictionary<string, decimal> { [c.Address.Text] = c.Amount }).ToArray(),
                    0,
                    new Dictionary<string, object> { ["fee_rate"] = rate, ["replaceable"] = true, ["lockUnspents"] = false, ["add_inputs"] = true });
                return (funded, batch.ToHashSet());
            }
            catch (BitcoindRpcException ex) when (IsInsufficientFunds(ex))
            {
                count -= Math.Max(1, count / 4);
            }
        }
        return (null, new HashSet<Planned>());
    }

    /// <summary>Signs and finalizes a funded PSBT into a version, or null when its fee is over the cap.</summary>
    private async Task<BitcoinTxVersion?> Sign(JsonNode funded, decimal rate, BitcoinFeePolicy fees, CancellationToken ct)
    {
        var psbt = funded["psbt"]!.GetValue<string>();
        var fee = funded["fee"]!.GetValue<decimal>();
        var unsigned = Psbt.ParseBase64(psbt).UnsignedTx;
        var inputs = unsigned.Inputs.Select(i => $"{i.Prevout.Txid}:{i.Prevout.Vout}").ToList();
        if (fee > fees.BatchFeeMax) return null;
        var processed = await rpc.Wallet("walletprocesspsbt", ct, psbt, true, "ALL", true, true);
        var finalized = await rpc.Wallet("finalizepsbt", ct, processed!["psbt"]!.GetValue<string>(), true);
        var hex = finalized?["complete"]?.GetValue<bool>() == true ? finalized["hex"]?.GetValue<string>() : null;
        if (hex is null)
        {
            throw new BitcoindRpcException("walletprocesspsbt", BitcoindRpcException.WalletError,
                $"wallet '{settings.Wallet}' could not sign the batch (watch-only, or locked with a passphrase?)");
        }
        if (!BitcoinTransaction.TryParseHex(hex, out var signed, out var parseError))
            throw new Core.InvariantViolationException($"finalizepsbt returned a transaction that does not parse: {parseError}");
        return new BitcoinTxVersion(signed.Txid, hex, inputs, fee, rate, time.GetUtcNow().ToUnixTimeMilliseconds());
    }

    /// <summary>The signed transaction pays every payout of the batch exactly: a node that altered it must not be trusted.</summary>
    private static void CheckPays(BitcoinTxVersion version, IReadOnlyCollection<Planned> payouts)
    {
        BitcoinTransaction.TryParseHex(version.Hex, out var tx, out _);
        foreach (var p in payouts)
            if (!tx!.Outputs.Any(o => o.ValueSats == p.Sats && o.ScriptPubKey.AsSpan().SequenceEqual(p.Address.ScriptPubKey)))
                throw new Core.InvariantViolationException($"transaction {version.Txid} does not pay {p.Sats} sat to {p.Address.Text} (payout {p.PayoutId})");
    }

    /// <summary>The latest version is in the mempool, or is sent again from its stored bytes (evicted, or never sent).</summary>
    private async Task<string> EnsureBroadcast(BitcoinTxVersion latest, CancellationToken ct)
    {
        try
        {
            await rpc.Chain("getmempoolentry", ct, latest.Txid);
            return $"{latest.Txid} is in the mempool";
        }
        catch (BitcoindRpcException ex) when (ex.Code == BitcoindRpcException.InvalidAddressOrKey)
        {
        }
        try
        {
            await rpc.Chain("sendrawtransaction", ct, latest.Hex);
            return $"{latest.Txid} was not in the mempool; re-broadcast from the stored transaction";
        }
        catch (BitcoindRpcException ex)
        {
            return $"{latest.Txid} is not in the mempool and re-broadcasting it was refused ({ex.Code}: {ex.RpcMessage})";
        }
    }

    private async Task<JsonNode?> WalletTransaction(string txid, CancellationToken ct)
    {
        try
        {
            return await rpc.Wallet("gettransaction", ct, txid);
        }
        catch (BitcoindRpcException ex) when (ex.Code == BitcoindRpcException.InvalidAddressOrKey)
        {
            return null;
        }
    }

    private async Task<decimal?> Estimate(int target, CancellationToken ct)
    {
        var estimate = await rpc.Chain("estimatesmartfee", ct, target);
        // feerate is BTC/kvB; 1 BTC/kvB = 100,000 sat/vB. Without data the node answers "errors" and no feerate.
        return estimate?["feerate"] is { } rate ? rate.GetValue<decimal>() * 100_000m : null;
    }

    /// <summary>Marks a dead version abandoned so the wallet stops rebroadcasting it and frees what it still holds.</summary>
    private async Task Abandon(string txid, CancellationToken ct)
    {
        try
        {
            await rpc.Wallet("abandontransaction", ct, txid);
        }
        catch (BitcoindRpcException)
        {
            // Conflicted transactions cannot (and need not) be abandoned; unknown ones neither.
        }
    }

    private PrepareResult Empty(BitcoinFeePolicy fees, Dictionary<string, SendOutcome.NotSent> rejected) =>
        new(new BitcoinArtifact(BitcoinArtifact.KindName, BitcoinNetworks.Name(settings.Network), fees, [], []).ToJson(),
            new Dictionary<string, string>(), rejected);

    private static string Proof(string txid, BitcoinArtifact artifact) => JsonSerializer.Serialize(new
    {
        proofType = "PayoutTransactionOnChainBlob",
        transactionId = txid,
        candidates = artifact.Versions.Select(v => v.Txid).ToArray(),
    });

    private static Dictionary<string, SendOutcome> All(IEnumerable<AttemptPayout> payouts, SendOutcome outcome) =>
        payouts.ToDictionary(p => p.PayoutId, _ => outcome, StringComparer.Ordinal);

    private static bool IsInsufficientFunds(BitcoindRpcException ex) =>
        ex.Code == BitcoindRpcException.WalletInsufficientFunds
        || (ex.Code == BitcoindRpcException.WalletError && ex.RpcMessage.Contains("Insufficient funds", StringComparison.OrdinalIgnoreCase));

    private static bool IsNodeTrouble(Exception ex) =>
        ex is BitcoindRpcException or BitcoindUnavailableException or HttpRequestException or TimeoutException;

    private static string Describe(Exception ex) => ex is BitcoindRpcException rpc ? $"{rpc.Method}: {rpc.Code} {rpc.RpcMessage}" : ex.Message;
}

/// <summary>What the test-connection endpoint reports. <see cref="Problems"/> empty: ready to send.</summary>
public sealed record BitcoinConnectionReport(string Chain, long Blocks, long NodeVersion, string? NodeSubversion, string Wallet,
    decimal BalanceTrusted, decimal BalancePending, IReadOnlyList<string> Problems);
