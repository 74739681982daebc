package io.dwb.listener;

import io.dwb.runtime.KafkaConfigFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka client properties of the clients the listener builds once started: each producer, the checkpoint lookups'
 * consumers, the admin client that reads the events topic's settings again. They follow the {@code --kafka-config}
 * file, read again before each producer ({@link KafkaConfigFile}): a SASL password, a login or a keystore's password
 * rotated there is used by the next producer and the lookups after it, without a restart. Before, the file was read
 * once: after a rotation the listener retried for ever with the old login, until restarted by hand.
 *
 * <p>Settings the listener took at start ({@link #START_ONLY}) keep their start's values, a change said once. Changed
 * settings are offered to the next producer ({@link #forNextProducer}) and in use once one was built from them ({@link
 * #built}); settings Kafka's client refuses to build a producer from (a malformed JAAS line, a number that is not one,
 * a truststore not written yet) leave those in use in place, said in a WARN ({@link #refused}), and are offered again
 * to each next producer until they build or the file changes. A file that cannot be read leaves them in place too. Not
 * thread-safe: the publishing thread builds the producers.
 */
final class KafkaClientSettings {
    private static final Logger log = LoggerFactory.getLogger(KafkaClientSettings.class);

    /**
     * Settings taken at start only. {@code bootstrap.servers}: the cluster whose topics the start checked and whose
     * checkpoint it read; another one mid-run would get the events held for this one, and reconcile them against a
     * checkpoint of another history (a move is a restart). {@code max.request.size}: the longest event published as
     * it is, which every subscription's splitter and the topic's bounds follow from the start; lowered under them, the
     * producer would refuse the same record at every retry.
     */
    static final List<String> START_ONLY = List.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            ProducerConfig.MAX_REQUEST_SIZE_CONFIG);

    private final KafkaConfigFile file;
    /** The user's properties as read at start: where the {@link #START_ONLY} values come from. */
    private final Properties atStart;
    /** Adds what the listener sets where the user's file gives none (the producer's {@code max.block.ms}). */
    private final UnaryOperator<Properties> listenersOwn;
    private Properties inUse;
    /** Changed settings not yet built from; null when none. */
    private Properties offered;
    /** The names of the settings {@link #offered} changes, for the log (never their values: passwords). */
    private List<String> offeredChanges = List.of();
    /** What the last WARN said of the file (a problem reading it, a refusal): each said once. */
    private String problemSaid;

    /**
     * @param file         the {@code --kafka-config} file, read at start into {@code atStart}
     * @param atStart      the user's client properties read at start
     * @param listenersOwn the listener's settings added where the user's file gives none
     */
    KafkaClientSettings(KafkaConfigFile file, Properties atStart, UnaryOperator<Properties> listenersOwn) {
        this.file = file;
        this.atStart = copy(atStart);
        this.listenersOwn = listenersOwn;
        this.inUse = listenersOwn.apply(copy(atStart));
    }

    /** The properties the clients built now use (the lookups', the admin's): those of the last producer built. */
    Properties inUse() {
        return inUse;
    }

    /**
     * The properties to build the next producer from: the file read again when it changed, else those offered before
     * and not built from yet, else {@link #inUse}.
     */
    Properties forNextProducer() {
        KafkaConfigFile.Reread reread = file.reread();
        switch (reread.outcome()) {
            case UNCHANGED -> {
            }
            case UNUSABLE -> say("the Kafka client configuration " + file.path() + " cannot be read again ("
                    + reread.problem() + "): the Kafka clients keep the settings read before; it is read again before "
                    + "the next producer");
            case CHANGED -> offer(reread.properties());
        }
        return offered != null ? offered : inUse;
    }

    /** A producer was built from {@code used}: the clients built from now on use them too. */
    void built(Properties used) {
        if (used != offered) {
            return;
        }
        inUse = offered;
        offered = null;
        problemSaid = null;
        log.info("the Kafka client configuration {} changed ({}): read again, the Kafka clients built from now on use "
                + "it", file.path(), String.join(", ", offeredChanges));
    }

    /**
     * Kafka's client refused to build a producer from {@code used} ({@code why}), and one was built from those in
     * use: they stay in use, and {@code used} is offered again to the next producer (a truststore it names may be
     * written after it).
     */
    void refused(Properties used, String why) {
        if (used == offered) {
            say("the Kafka client configuration " + file.path() + " changed (" + String.join(", ", offeredChanges)
                    + ") but Kafka's client refuses it (" + why + "): the Kafka clients keep the settings read "
                    + "before; tried again at the next producer, and read again once the file changes");
        }
    }

    private void offer(Properties read) {
        problemSaid = null;
        keepStartOnly(read);
        Properties next = listenersOwn.apply(read);
        if (next.equals(inUse)) {
            offered = null; // back as it was (or only comments changed): nothing to build from
            log.debug("the Kafka client configuration {} changed, its settings are those in use", file.path());
            return;
        }
        offered = next;
        offeredChanges = changedNames(inUse, next);
    }

    /** Puts back the start's values of the {@link #START_ONLY} settings, saying which changed. */
    private void keepStartOnly(Properties read) {
        List<String> kept = new ArrayList<>();
        for (String setting : START_ONLY) {
            String before = atStart.getProperty(setting);
            String now = read.getProperty(setting);
            if (!Objects.equals(before, now)) {
                kept.add(setting + " (" + before + " -> " + now + ")");
                if (before == null) {
                    read.remove(setting);
                } else {
                    read.setProperty(setting, before);
                }
            }
        }
        if (!kept.isEmpty()) {
            log.warn("the Kafka client configuration {} changed {}, which the listener takes at start only: the values "
                    + "it started with are kept until it is restarted (bootstrap.servers: the cluster whose topics it "
                    + "checked and whose checkpoint it read; max.request.size: the longest event it publishes whole)",
                    file.path(), String.join(", ", kept));
        }
    }

    private void say(String problem) {
        if (!problem.equals(problemSaid)) {
            log.warn("{}", problem);
            problemSaid = problem;
        }
    }

    /** The settings whose values differ, by name. */
    private static List<String> changedNames(Properties before, Properties after) {
        TreeSet<String> names = new TreeSet<>(before.stringPropertyNames());
        names.addAll(after.stringPropertyNames());
        names.removeIf(name -> Objects.equals(before.getProperty(name), after.getProperty(name)));
        return List.copyOf(names);
    }

    private static Properties copy(Properties p) {
        Properties c = new Properties();
        c.putAll(p);
        return c;
    }
}
