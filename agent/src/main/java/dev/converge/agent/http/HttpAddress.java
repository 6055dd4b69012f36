package dev.converge.agent.http;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** The address {@code --http} names: {@code PORT}, {@code ADDR:PORT} or {@code [IPV6]:PORT}. */
public final class HttpAddress {

    private HttpAddress() {
    }

    /**
     * The socket address of {@code text}; a port alone is on 127.0.0.1, and port 0 lets the
     * system choose. A host name is resolved once, here.
     *
     * @throws IllegalArgumentException with what is wrong, for the operator
     */
    public static InetSocketAddress parse(String text) {
        String host = "127.0.0.1";
        String port = text;
        int colon = text.lastIndexOf(':');
        if (colon >= 0) {
            host = text.substring(0, colon);
            port = text.substring(colon + 1);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            } else if (host.contains(":")) {
                throw new IllegalArgumentException("write an IPv6 address in brackets, as [::1]:8080");
            }
            if (host.isEmpty()) {
                throw new IllegalArgumentException("no address before the port; give one, or the port alone for 127.0.0.1");
            }
        }
        int number;
        try {
            number = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a port number: '" + port + "' (give [ADDR:]PORT)");
        }
        if (number < 0 || number > 65535) {
            throw new IllegalArgumentException("port " + number + " is out of range 0-65535");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), number);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown address " + host);
        }
    }
}
