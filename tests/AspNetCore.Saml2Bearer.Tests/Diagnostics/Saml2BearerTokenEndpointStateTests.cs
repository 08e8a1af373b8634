using AspNetCore.Saml2Bearer.Diagnostics;

namespace AspNetCore.Saml2Bearer.Tests.Diagnostics;

public sealed class Saml2BearerTokenEndpointStateTests
{
    private static readonly DateTimeOffset Opened = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0, 15)]
    [InlineData(4.25, 10.75)]
    [InlineData(14.999, 0.001)]
    public void TimeLeftInBreak_CircuitOpen_TheRestOfTheBreak(double elapsedSeconds, double expectedSeconds)
    {
        var state = new Saml2BearerTokenEndpointState();
        state.CircuitOpened(Opened, TimeSpan.FromSeconds(15));

        var left = state.TimeLeftInBreak(Opened.AddSeconds(elapsedSeconds));

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), left);
    }

    [Fact]
    public void TimeLeftInBreak_BreakOver_Null()
    {
        var state = new Saml2BearerTokenEndpointState();
        state.CircuitOpened(Opened, TimeSpan.FromSeconds(15));

        Assert.Null(state.TimeLeftInBreak(Opened.AddSeconds(15)));
    }

    [Fact]
    public void TimeLeftInBreak_CircuitClosedAgain_Null()
    {
        var state = new Saml2BearerTokenEndpointState();
        state.CircuitOpened(Opened, TimeSpan.FromSeconds(15));
        state.CircuitClosed();

        Assert.Null(state.TimeLeftInBreak(Opened.AddSeconds(1)));
    }

    [Fact]
    public void TimeLeftInBreak_NeverOpened_Null()
    {
        Assert.Null(new Saml2BearerTokenEndpointState().TimeLeftInBreak(Opened));
    }
}
