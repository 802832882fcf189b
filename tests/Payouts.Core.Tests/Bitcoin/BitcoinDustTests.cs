using Payouts.Core.Bitcoin;

namespace Payouts.Core.Tests.Bitcoin;

/// <summary>Dust limits as Bitcoin Core's GetDustThreshold gives them at the default dustrelayfee (3,000 sat/kvB).</summary>
public sealed class BitcoinDustTests
{
    [Theory]
    [InlineData("1AGNa15ZQXAZUgFiqJ2i7Z2DPU2J6hW62i", 546)]
    [InlineData("3CMNFxN1oHBc4R1EpboAL5yzHGgE611Xou", 540)]
    [InlineData("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", 294)]
    [InlineData("bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3", 330)]
    [InlineData("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", 330)]
    // Unknown witness programs: (8 + 1 + script + 67) * 3.
    [InlineData("bc1pfeessrawgf", 240)] // 4-byte script (pay-to-anchor)
    [InlineData("bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", 282)] // 18-byte script
    [InlineData("bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y", 354)] // 42-byte script
    public void DustLimitMatchesBitcoinCore(string text, long expected)
    {
        Assert.True(BitcoinAddress.TryParse(text, network: null, out var address, out _));
        Assert.Equal(expected, address.DustLimitSats);
    }
}
