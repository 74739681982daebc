package io.dwb.standalone;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded broker's secrets, generated at the first start into {@code <data dir>/credentials.properties}
 * (mode 0600) and read back at every later start: the user the bridge's own clients (and an operator's tools)
 * authenticate as with SCRAM-SHA-512, and the password the broker's internal listeners (controller, inter-broker)
 * share with PLAIN.
 *
 * @param clientUser     the SCRAM user of every client
 * @param clientPassword its password
 * @param brokerPassword the internal listeners' password (user {@value #BROKER_USER})
 */
record BrokerCredentials(String clientUser, String clientPassword, String brokerPassword) {
    static final String FILE_NAME = "credentials.properties";
    static final String CLIENT_USER = "dwb";
    static final String BROKER_USER = "broker";
    private static final Logger log = LoggerFactory.getLogger(BrokerCredentials.class);

    /** The credentials in {@code dataDir}, or new ones written there when it has none. */
    static BrokerCredentials loadOrCreate(Path dataDir) {
        Path file = dataDir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            BrokerCredentials created = new BrokerCredentials(CLIENT_USER, secret(), secret());
            PrivateFiles.write(file, created.text());
            log.info("generated the embedded broker's credentials in {}", file);
            return created;
        }
        PrivateFiles.requireOwnerOnly(file);
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
        String user = p.getProperty("client.user");
        String password = p.getProperty("client.password");
        String broker = p.getProperty("broker.password");
        if (!isToken(user) || !isToken(password) || !isToken(broker)) {
            throw new IllegalStateException(file + " lacks client.user, client.password or broker.password (letters, "
                    + "digits, - and _ only); delete it to have new credentials made at the next start");
        }
        return new BrokerCredentials(user, password, broker);
    }

    /** 256 random bits, base64url: no character that needs quoting in a JAAS line. */
    private static String secret() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Values go into JAAS lines between double quotes: only characters that cannot end or escape them. */
    private static boolean isToken(String value) {
        return value != null && value.matches("[A-Za-z0-9_-]+");
    }

    private String text() {
        return "# The embedded Kafka broker's credentials, generated at the first start. Keep private (mode 0600).\n"
                + "client.user=" + clientUser + "\n"
                + "client.password=" + clientPassword + "\n"
                + "broker.password=" + brokerPassword + "\n";
    }

    /** The JAAS line of a SCRAM client logging in as the bridge's user. */
    String clientJaas() {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + clientUser
                + "\" password=\"" + clientPassword + "\";";
    }

    /** The JAAS line of the internal PLAIN listeners: the broker logs in as, and accepts only, its own user. */
    String brokerJaas() {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + BROKER_USER
                + "\" password=\"" + brokerPassword + "\" user_" + BROKER_USER + "=\"" + brokerPassword + "\";";
    }

    @Override
    public String toString() {
        return "BrokerCredentials[clientUser=" + clientUser + ", passwords hidden]";
    }
}
