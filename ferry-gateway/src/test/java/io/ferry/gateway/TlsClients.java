package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * TLS clients of the gateway's listeners for the TLS tests: the JDK's HttpClient, a new handshake
 * to see the certificate served, and a raw keep-alive HTTP/1.1 connection; test thread only.
 */
final class TlsClients {
    private TlsClients() {}

    /** An HTTP/1.1 client over {@code ctx} (it trusts the test CA, maybe presents a cert). */
    static HttpClient https(SSLContext ctx) {
        return HttpClient.newBuilder()
                .sslContext(ctx)
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    /** POSTs {@code body} to {@code https://localhost:port path}. */
    static HttpResponse<String> post(HttpClient c, int port, String path, String body)
            throws IOException, InterruptedException {
        return c.send(
                HttpRequest.newBuilder(URI.create("https://localhost:" + port + path))
                        .timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** GETs {@code https://localhost:port path}. */
    static HttpResponse<String> get(HttpClient c, int port, String path)
            throws IOException, InterruptedException {
        return c.send(
                HttpRequest.newBuilder(URI.create("https://localhost:" + port + path))
                        .timeout(Duration.ofSeconds(30))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The leaf certificate the port serves now: a new connection and handshake. */
    static X509Certificate served(int port, SSLContext ctx) {
        try (SSLSocket s = socket(port, ctx)) {
            s.startHandshake();
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static SSLSocket socket(int port, SSLContext ctx) throws IOException {
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(30_000);
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        p.setServerNames(java.util.List.of(new javax.net.ssl.SNIHostName("localhost")));
        s.setSSLParameters(p);
        return s;
    }

    /**
     * One keep-alive HTTP/1.1 connection over TLS, requests one after the other on it; one thread.
     */
    static final class KeepAlive implements AutoCloseable {
        private final SSLSocket socket;
        private final InputStream in;
        private final OutputStream out;

        KeepAlive(int port, SSLContext ctx) {
            try {
                socket = socket(port, ctx);
                socket.startHandshake();
                in = socket.getInputStream();
                out = socket.getOutputStream();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The certificate this connection's handshake got. */
        X509Certificate certificate() {
            try {
                return (X509Certificate) socket.getSession().getPeerCertificates()[0];
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The certificates this client sent in the handshake: null when none was asked for. */
        java.security.cert.Certificate[] sentCertificates() {
            return socket.getSession().getLocalCertificates();
        }

        /** POSTs {@code body}; returns the status and the body. */
        String[] post(String path, String body) throws IOException {
            byte[] b = body.getBytes(UTF_8);
            out.write(
                    ("POST "
                                    + path
                                    + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: "
                                    + b.length
                                    + "\r\n\r\n")
                            .getBytes(ISO_8859_1));
            out.write(b);
            out.flush();
            String status = line();
            if (status == null) {
                throw new IOException("the connection closed");
            }
            int length = 0;
            for (String h; (h = line()) != null && !h.isEmpty(); ) {
                if (h.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(h.substring(15).trim());
                }
            }
            byte[] rb = in.readNBytes(length);
            return new String[] {status.substring(9, 12), new String(rb, UTF_8)};
        }

        private String line() throws IOException {
            ByteArrayOutputStream l = new ByteArrayOutputStream();
            for (int c; (c = in.read()) >= 0; ) {
                if (c == '\n') {
                    String s = l.toString(ISO_8859_1);
                    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
                }
                l.write(c);
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
