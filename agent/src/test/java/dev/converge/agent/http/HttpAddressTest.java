package dev.converge.agent.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** What {@code --http} accepts, and what it says about the rest. */
class HttpAddressTest {

    @Test
    void aPortAloneIsOnLoopback() {
        assertThat(HttpAddress.parse("8080")).isEqualTo(new InetSocketAddress("127.0.0.1", 8080));
    }

    @Test
    void anAddressIsTakenAsGiven() {
        assertThat(HttpAddress.parse("0.0.0.0:9100")).isEqualTo(new InetSocketAddress("0.0.0.0", 9100));
        assertThat(HttpAddress.parse("[::1]:0").getAddress().getHostAddress()).isEqualTo("0:0:0:0:0:0:0:1");
    }

    @Test
    void mistakesAreSaid() {
        assertThatThrownBy(() -> HttpAddress.parse("web")).hasMessage("not a port number: 'web' (give [ADDR:]PORT)");
        assertThatThrownBy(() -> HttpAddress.parse("70000")).hasMessage("port 70000 is out of range 0-65535");
        assertThatThrownBy(() -> HttpAddress.parse("::1:80")).hasMessageContaining("in brackets");
        assertThatThrownBy(() -> HttpAddress.parse(":80")).hasMessageContaining("no address before the port");
    }
}
