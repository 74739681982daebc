package io.dwb.forwarder;

/**
 * Why the Wazuh queue socket did not take a datagram, and so what becomes of the datagram, of the channel and of the
 * resend window. Each is told by what the kernel decides it by, never by an exception's text: junixsocket (2.10)
 * throws a plain {@code SocketException} with strerror's text, in the process's locale, for EMSGSIZE, ECONNREFUSED and
 * ENOENT alike ("Die Nachricht ist zu lang" under de_DE, which a match on "too long" took for a lost socket). The
 * transient refusals it reports without an exception: a non-blocking send the kernel cannot take now (EAGAIN, and
 * ENOBUFS or ENOMEM under memory pressure) returns 0, which is {@link #FULL}, and it retries EINTR itself.
 */
enum SendFailure implements Refusal.Cause {
    /** No socket file at the path: the same datagram later; the window waits for whatever socket comes. */
    MISSING("socket missing", false),
    /** A directory on the path is not searchable for this user ({@link SocketPath#DENIED}): as {@link #MISSING}. */
    UNREACHABLE("socket not reachable", false),
    /**
     * Nothing reads the socket: a connect to its file refused (ECONNREFUSED: Wazuh stopped uncleanly), or a send on the
     * connected channel refused, after which the kernel disconnects the channel (its reader closed the socket, and the
     * kernel dropped the socket's queue with it). The same datagram later; the window goes to the next socket.
     */
    REFUSING("socket refusing", true),
    /**
     * The queue stayed full through the grace (the reader not keeping up; or the kernel short of buffer memory, which
     * junixsocket returns alike): the same datagram later, on the same channel; nothing is sent again.
     */
    FULL("queue full", false),
    /** Full through the grace, and the path names another socket file now (a hung Wazuh replaced): window to it. */
    REPLACED("socket replaced", true),
    /**
     * EMSGSIZE: longer than the channel's send buffer takes (Linux refuses a datagram above {@code SO_SNDBUF} less
     * {@link #UNIX_DATAGRAM_OVERHEAD}, before it looks at the receiver). Refused for what it is: dead-lettered, or
     * said. The channel and the window are kept: the datagrams after it go on, each once, and a restart after it is
     * still seen by the next send, as after any other.
     */
    TOO_LONG("the socket refused the datagram", false),
    /**
     * Any other failure (a security module's EPERM, a channel closed under the send by an interrupt, a connect the
     * socket file's permissions refuse): taken for a lost socket, so the window goes to the next one (at least once:
     * duplicates, bounded by the window, rather than a loss).
     */
    ERROR("socket error", true);

    /** What Linux's {@code unix_dgram_sendmsg} keeps of the send buffer for itself: a datagram may be 32 bytes less. */
    static final int UNIX_DATAGRAM_OVERHEAD = 32;

    private final String words;
    private final boolean losesSocket;

    SendFailure(String words, boolean losesSocket) {
        this.words = words;
        this.losesSocket = losesSocket;
    }

    /** How the log and the dead letter begin to say it ({@code paused: queue full: …}). */
    String words() {
        return words;
    }

    /** A send was tried, and failed: each is counted in {@code dwb_forwarder_socket_errors_total}. */
    @Override
    public boolean sendFailed() {
        return true;
    }

    /**
     * Whether the connected socket is taken for gone with its queue: its channel is closed, and the next socket first
     * gets the resend window.
     */
    boolean losesSocket() {
        return losesSocket;
    }

    /**
     * What a failed send on a connected channel was.
     *
     * @param length       the datagram's bytes
     * @param sendBuffer   the channel's {@code SO_SNDBUF} as the kernel holds it (the doubled value), -1 if unread
     * @param disconnected whether the kernel disconnected the open channel, as it does at a refusal (ECONNREFUSED)
     */
    static SendFailure ofSend(int length, int sendBuffer, boolean disconnected) {
        if (sendBuffer >= 0 && length > sendBuffer - UNIX_DATAGRAM_OVERHEAD) {
            return TOO_LONG; // the kernel checks the size first: whatever else is wrong, this is EMSGSIZE
        }
        return disconnected ? REFUSING : ERROR;
    }

    /**
     * What a failed connect was, by what the path shows after it.
     *
     * @param found    the path looked at again after the failure
     * @param writable whether this user may write to the socket file (connect needs it)
     */
    static SendFailure ofConnect(SocketPath found, boolean writable) {
        return switch (found) {
            case MISSING -> MISSING;
            case DENIED -> UNREACHABLE;
            case PRESENT -> writable ? REFUSING : ERROR;
        };
    }
}
