using System.Security.Cryptography;
using System.Text;
using Payouts.Core.Bitcoin;
using Payouts.Core.Lightning;

namespace Payouts.Simulators.Lightning;

/// <summary>
/// The Lightning network the node simulators pay into: payees with real keys that issue real signed BOLT11 invoices,
/// a behaviour per invoice or payee (succeed, fail, hold, route fee, settle delay), and a ledger of what each payee
/// settled. A payee settles an invoice at most once, as a real one releases its preimage once. One lock guards it all.
/// </summary>
public sealed partial class LightningNetworkSim
{
    private readonly object _gate = new();
    private readonly Dictionary<string, SimPayee> _payees = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IssuedInvoice> _invoices = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, PaymentBehavior> _invoiceBehavior = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, PaymentBehavior> _payeeBehavior = new(StringComparer.Ordinal);
    private readonly List<NetworkPayment> _payments = [];
    private readonly List<SettledPayment> _ledger = [];

    public LightningNetworkSim(TimeProvider? time = null, BitcoinNetwork network = BitcoinNetwork.Regtest)
    {
        Time = time ?? TimeProvider.System;
        Network = network;
    }

    public TimeProvider Time { get; }

    /// <summary>The chain invoices are for unless <see cref="CreateInvoice"/> is told otherwise.</summary>
    public BitcoinNetwork Network { get; }

    public SimPayee AddPayee(string name)
    {
        lock (_gate)
        {
            if (_payees.ContainsKey(name)) throw new ArgumentException($"payee '{name}' already exists", nameof(name));
            var key = NewPrivateKey();
            return _payees[name] = new SimPayee(name, key, Convert.ToHexStringLower(Secp256k1.PublicKey(key)));
        }
    }

    public SimPayee Payee(string name)
    {
        lock (_gate) return _payees.GetValueOrDefault(name) ?? throw new ArgumentException($"no payee named '{name}'", nameof(name));
    }

    /// <summary>
    /// A fresh invoice of <paramref name="payee"/>, signed with its key: a random preimage, hash = SHA256(preimage), a
    /// random payment secret. Give <paramref name="description"/> or <paramref name="descriptionHash"/> (LNURL's).
    /// <paramref name="timestamp"/> defaults to now; set it in the past to issue an already expired invoice.
    /// </summary>
    public string CreateInvoice(SimPayee payee, long? amountMsat, TimeSpan? expiry = null, string? description = null,
        byte[]? descriptionHash = null, BitcoinNetwork? network = null, DateTimeOffset? timestamp = null)
    {
        ArgumentNullException.ThrowIfNull(payee);
        var preimage = RandomNumberGenerator.GetBytes(32);
        // BOLT11 timestamps are whole seconds; the invoice must say exactly when it was made.
        var at = DateTimeOffset.FromUnixTimeSeconds((timestamp ?? Time.GetUtcNow()).ToUnixTimeSeconds());
        var draft = new Bolt11Draft(network ?? Network, amountMsat, at, SHA256.HashData(preimage), RandomNumberGenerator.GetBytes(32),
            descriptionHash is null ? description ?? "" : null, descriptionHash, expiry ?? TimeSpan.FromHours(1),
            MinFinalCltvExpiry: 80, IncludePayeePubKey: false, Features: [8, 14, 17]);
        var text = Bolt11Encoder.Encode(draft, payee.PrivateKey);
        var issued = new IssuedInvoice(payee, Bolt11Invoice.Parse(text), Convert.ToHexStringLower(preimage), Time.GetUtcNow());
        lock (_gate) _invoices[issued.PaymentHash] = issued;
        return text;
    }

    /// <summary>The invoice the network issued with this payment hash (hex), with its preimage.</summary>
    public IssuedInvoice Invoice(string paymentHash)
    {
        lock (_gate) return _invoices.GetValueOrDefault(paymentHash) ?? throw new ArgumentException($"no invoice with hash {paymentHash}", nameof(paymentHash));
    }

    public IReadOnlyList<IssuedInvoice> InvoicesOf(SimPayee payee)
    {
        lock (_gate) return _invoices.Values.Where(i => i.Payee == payee).OrderBy(i => i.IssuedAt).ToList();
    }

    /// <summary>How payments of this invoice go, before the payee's own behaviour.</summary>
    public void SetBehavior(string paymentHash, PaymentBehavior behavior)
    {
        lock (_gate) _invoiceBehavior[paymentHash] = behavior;
    }

    /// <summary>How payments to this payee go unless its invoice has its own behaviour.</summary>
    public void SetBehavior(SimPayee payee, PaymentBehavior behavior)
    {
        ArgumentNullException.ThrowIfNull(payee);
        lock (_gate) _payeeBehavior[payee.Name] = behavior;
    }

    /// <summary>The fee the route to this invoice's payee charges (0 for an unknown invoice).</summary>
    public long RouteFeeMsat(string paymentHash)
    {
        lock (_gate) return BehaviorOf(paymentHash).RouteFeeMsat;
    }

    /// <summary>Settles the held payment of this hash; false if none is in flight.</summary>
    public bool Settle(string paymentHash)
    {
        NetworkPayment? done;
        lock (_gate)
        {
            done = _payments.FirstOrDefault(p => p.State == PaymentState.InFlight && SameHash(p.PaymentHash, paymentHash));
            if (done is null || !SettleLocked(done)) return false;
        }
        done.Announce();
        return true;
    }

    /// <summary>Fails the held payment(s) of this hash; false if none is in flight.</summary>
    public bool Fail(string paymentHash, LightningFailure reason = LightningFailure.IncorrectPaymentDetails)
    {
        List<NetworkPayment> failed;
        lock (_gate)
        {
            var now = Time.GetUtcNow();
            failed = _payments.Where(p => p.State == PaymentState.InFlight && SameHash(p.PaymentHash, paymentHash)).ToList();
            failed.RemoveAll(p => !p.TryFail(reason, now));
        }
        foreach (var payment in failed) payment.Announce();
        return failed.Count > 0;
    }

    /// <summary>
    /// A node sends <paramref name="amountMsat"/> to the invoice, willing to pay up to <paramref name="maxFeeMsat"/> in
    /// fees. The payment starts in flight; <see cref="NetworkPayment.Finished"/> completes when the payee settles or
    /// the network fails it. Node-side checks (network, expiry, duplicates, balance) are the caller's.
    /// </summary>
    internal NetworkPayment Send(string fromNode, Bolt11Invoice invoice, long amountMsat, long maxFeeMsat)
    {
        NetworkPayment payment;
        var announce = false;
        TimeSpan? delay = null;
        lock (_gate)
        {
            var now = Time.GetUtcNow();
            var issued = _invoices.GetValueOrDefault(invoice.PaymentHash);
            var behavior = BehaviorOf(invoice.PaymentHash);
            payment = new NetworkPayment(fromNode, invoice.PaymentHash, issued?.Payee.Name, amountMsat, behavior.RouteFeeMsat, now);
            _payments.Add(payment);
            var refusal = Refusal(issued, payment, behavior, maxFeeMsat, now);
            if (refusal is { } reason) announce = payment.TryFail(reason, now);
            else if (behavior.Outcome == PaymentOutcome.Succeed)
            {
                if (behavior.SettleDelay <= TimeSpan.Zero) announce = SettleLocked(payment);
                else delay = behavior.SettleDelay;
            }
        }
        if (announce) payment.Announce();
        if (delay is { } wait) _ = SettleLater(payment, wait);
        return payment;
    }

    private LightningFailure? Refusal(IssuedInvoice? issued, NetworkPayment payment, PaymentBehavior behavior, long maxFeeMsat, DateTimeOffset now)
    {
        // Nobody in this network issued it: no path leads to its payee.
        if (issued is null) return LightningFailure.NoRoute;
        if (behavior.RouteFeeMsat > maxFeeMsat) return LightningFailure.RouteTooExpensive;
        if (behavior.Outcome == PaymentOutcome.Fail) return behavior.Failure;
        // The payee's checks (BOLT4 incorrect_or_unknown_payment_details): expired, already paid or being paid, too little.
        if (now >= issued.Invoice.ExpiresAt) return LightningFailure.IncorrectPaymentDetails;
        if (_ledger.Any(s => SameHash(s.PaymentHash, payment.PaymentHash))) return LightningFailure.IncorrectPaymentDetails;
        if (_payments.Any(p => p != payment && p.State == PaymentState.InFlight && SameHash(p.PaymentHash, payment.PaymentHash)))
            return LightningFailure.IncorrectPaymentDetails;
        if (issued.Invoice.AmountMsat is { } due && payment.AmountMsat < due) return LightningFailure.IncorrectPaymentDetails;
        return null;
    }

    private async Task SettleLater(NetworkPayment payment, TimeSpan delay)
    {
        await Task.Delay(delay, Time).ConfigureAwait(false);
        bool settled;
        lock (_gate) settled = SettleLocked(payment);
        if (settled) payment.Announce();
    }

    private bool SettleLocked(NetworkPayment payment)
    {
        var issued = _invoices[payment.PaymentHash];
        var now = Time.GetUtcNow();
        if (!payment.TrySucceed(issued.PreimageHex, now)) return false;
        _ledger.Add(new SettledPayment(payment.PaymentHash, issued.Payee.Name, payment.AmountMsat, payment.FeeMsat, payment.FromNode,
            issued.PreimageHex, now));
        return true;
    }

    private PaymentBehavior BehaviorOf(string paymentHash)
    {
        if (_invoiceBehavior.TryGetValue(paymentHash, out var own)) return own;
        if (_invoices.TryGetValue(paymentHash, out var issued) && _payeeBehavior.TryGetValue(issued.Payee.Name, out var payees)) return payees;
        return PaymentBehavior.Succeed();
    }

    private static bool SameHash(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    internal static byte[] NewPrivateKey()
    {
        // Any 32 random bytes below the curve order; the chance of hitting zero or >= n is negligible but cheap to rule out.
        while (true)
        {
            var key = RandomNumberGenerator.GetBytes(32);
            if (key[0] < 0xFF && key.Any(b => b != 0)) return key;
        }
    }

    internal static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
