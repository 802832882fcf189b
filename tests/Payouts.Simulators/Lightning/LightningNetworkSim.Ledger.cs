namespace Payouts.Simulators.Lightning;

/// <summary>What the payees received: the evidence a test checks a payout against.</summary>
public sealed partial class LightningNetworkSim
{
    /// <summary>Settlements of this payment hash: none, or one (a second would be a double payment).</summary>
    public IReadOnlyList<SettledPayment> PaymentsSettled(string paymentHash)
    {
        lock (_gate) return _ledger.Where(s => SameHash(s.PaymentHash, paymentHash)).ToList();
    }

    public IReadOnlyList<SettledPayment> SettledTo(SimPayee payee)
    {
        ArgumentNullException.ThrowIfNull(payee);
        lock (_gate) return _ledger.Where(s => s.Payee == payee.Name).ToList();
    }

    public IReadOnlyList<SettledPayment> Ledger
    {
        get { lock (_gate) return _ledger.ToList(); }
    }

    /// <summary>Every attempt any node made, in order, including failed ones.</summary>
    public IReadOnlyList<NetworkPayment> Attempts
    {
        get { lock (_gate) return _payments.ToList(); }
    }

    public long TotalFeesMsat
    {
        get { lock (_gate) return _ledger.Sum(s => s.FeeMsat); }
    }

    /// <summary>Throws unless every invoice was settled at most once and every settlement names the node it left from.</summary>
    public void AssertNoDoublePayment()
    {
        lock (_gate)
        {
            var twice = _ledger.GroupBy(s => s.PaymentHash, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).ToList();
            if (twice.Count > 0)
                throw new InvalidOperationException("invoices settled more than once: " +
                    string.Join(", ", twice.Select(g => $"{g.Key} x{g.Count()} from {string.Join("/", g.Select(s => s.FromNode))}")));
            var anonymous = _ledger.Where(s => string.IsNullOrEmpty(s.FromNode)).ToList();
            if (anonymous.Count > 0)
                throw new InvalidOperationException("settled payments without a sending node: " + string.Join(", ", anonymous.Select(s => s.PaymentHash)));
        }
    }
}
