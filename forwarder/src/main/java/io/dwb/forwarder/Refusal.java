package io.dwb.forwarder;

/**
 * Why delivery waits: its {@link Cause}, by which a pause tells one refusal from another (a line when it changes),
 * and the words the log says it in, which may change at each retry without its being another refusal (a Wazuh state
 * file's numbers: the agent's buffer holding 2600 of its events, then 2650; a Kafka exception's milliseconds).
 *
 * @param words the log line's, after {@code paused: } ({@code socket missing: /var/ossec/queue/sockets/queue …})
 */
record Refusal(Cause cause, String words) {

    /**
     * Whether only a person ends it (a grant, a topic to create, a limit to raise): its lines are said at ERROR. No
     * retry alone helps, but delivery still waits for it rather than stop: a forwarder that exits leaves the group,
     * and the next member meets the same record.
     */
    boolean forGood() {
        return cause instanceof Other other && other.forGood;
    }

    /** What holds delivery, told by what it is, never by its words. */
    sealed interface Cause permits SendFailure, Hold, Other {
        /**
         * Whether a send was tried and failed, counted in {@code dwb_forwarder_socket_errors_total}: not when the
         * sink held delivery before any send ({@link Hold}).
         */
        boolean sendFailed();
    }

    /**
     * Delivery held by a gate on a Wazuh daemon's state file ({@link AgentStateGate}, {@link AnalysisdStateGate}):
     * nothing was sent, the socket would have taken it.
     */
    enum Hold implements Cause {
        /** wazuh-agentd's status is not {@code connected}. */
        AGENT_NOT_CONNECTED,
        /** wazuh-agentd's buffer holds half its {@code queue_size} or more. */
        AGENT_BUFFER_FILLING,
        /** wazuh-analysisd's event queue is half full or more. */
        ANALYSISD_QUEUE_FILLING;

        @Override
        public boolean sendFailed() {
            return false;
        }
    }

    /** What else refuses: neither the Wazuh queue socket ({@link SendFailure}) nor a gate. */
    enum Other implements Cause {
        /** A thread waiting for the sink, or for the sending thread, was interrupted (the stop). */
        INTERRUPTED(true),
        /** Standard output ({@code --wazuh-queue -}) closed or failing. */
        OUTPUT_FAILING(true),
        /** The sending thread is closed (the stop). */
        SENDER_CLOSED(false),
        /** The dead-letter topic cannot take a letter now (unreachable, the letter's timestamp refused). */
        DEAD_LETTER_TOPIC(false),
        /** The forwarder's principal may not write the dead-letter topic (an ACL). */
        DEAD_LETTER_WRITE_DENIED(false, true),
        /** The dead-letter topic does not exist, and the broker does not create it. */
        DEAD_LETTER_TOPIC_MISSING(false, true),
        /** The dead-letter topic's {@code max.message.bytes} refuses even a letter without value, key and headers. */
        DEAD_LETTER_LIMIT_TOO_LOW(false, true);

        private final boolean sendFailed;
        private final boolean forGood;

        Other(boolean sendFailed) {
            this(sendFailed, false);
        }

        Other(boolean sendFailed, boolean forGood) {
            this.sendFailed = sendFailed;
            this.forGood = forGood;
        }

        @Override
        public boolean sendFailed() {
            return sendFailed;
        }
    }
}
