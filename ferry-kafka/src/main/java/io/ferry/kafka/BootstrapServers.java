package io.ferry.kafka;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.Node;

/** Parses {@code bootstrap.servers}; stateless. */
final class BootstrapServers {
    private BootstrapServers() {}

    /**
     * The bootstrap servers as nodes with negative ids (-1, -2 ...), so they never collide with a
     * real node's id.
     *
     * @throws IllegalArgumentException naming the entry that is not host:port
     */
    static List<Node> parse(String servers) {
        List<Node> nodes = new ArrayList<>();
        int i = 0;
        for (String hp : servers.split(",", -1)) {
            String s = hp.trim();
            if (s.isEmpty()) {
                continue;
            }
            int colon = s.lastIndexOf(':');
            int port = -1;
            if (colon > 0) {
                try {
                    port = Integer.parseInt(s.substring(colon + 1));
                } catch (NumberFormatException e) {
                    port = -1;
                }
            }
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException(
                        "bootstrap.servers entry '" + s + "' is not host:port (port 1..65535)");
            }
            String host = s.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            nodes.add(new Node(-1 - i++, host, port));
        }
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException(
                    "bootstrap.servers is required (host:port[,host:port...])");
        }
        return List.copyOf(nodes);
    }
}
