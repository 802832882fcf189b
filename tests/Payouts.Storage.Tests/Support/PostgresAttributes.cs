using Xunit.Abstractions;
using Xunit.Sdk;

namespace Payouts.Storage.Tests.Support;

/// <summary>A test that needs PostgreSQL: skipped without a server outside CI, run (and failing loudly) under CI=true.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresServer.SkipReason is { } reason)
            Skip = reason;
    }
}

/// <summary>A theory that needs PostgreSQL; skipped on the same terms as <see cref="PostgresFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class PostgresTheoryAttribute : TheoryAttribute
{
    public PostgresTheoryAttribute()
    {
        if (PostgresServer.SkipReason is { } reason)
            Skip = reason;
    }
}

/// <summary>Marks a <see cref="StoreConformanceTests"/> subclass whose engine is PostgreSQL.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class UsesPostgresAttribute : Attribute;

/// <summary>
/// A test of the engine-independent conformance suite. The body is written once, in the abstract
/// <see cref="StoreConformanceTests"/>, and xunit runs it once per concrete subclass. An attribute on the
/// shared method cannot know which subclass it runs in, so the skip decision is made by
/// <see cref="StoreFactDiscoverer"/>, which sees the concrete class: in a class marked
/// <see cref="UsesPostgresAttribute"/> it applies <see cref="PostgresServer.SkipReason"/>; elsewhere it never skips.
/// </summary>
[XunitTestCaseDiscoverer("Payouts.Storage.Tests.Support.StoreFactDiscoverer", "Payouts.Storage.Tests")]
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class StoreFactAttribute : FactAttribute;

public sealed class StoreFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    private static readonly string UsesPostgres = typeof(UsesPostgresAttribute).AssemblyQualifiedName!;

    protected override IXunitTestCase CreateTestCase(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod,
        IAttributeInfo factAttribute)
    {
        if (testMethod.TestClass.Class.GetCustomAttributes(UsesPostgres).Any() && PostgresServer.SkipReason is { } reason)
            return new XunitSkippedDataRowTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(),
                discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, reason);
        return base.CreateTestCase(discoveryOptions, testMethod, factAttribute);
    }
}
