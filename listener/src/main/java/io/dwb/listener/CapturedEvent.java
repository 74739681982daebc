package io.dwb.listener;

import io.dwb.schemas.EventIdentity;

/**
 * One engine event as the listener holds it between the stream and Kafka: the engine's bytes exactly as sent (the
 * record value), the few fields its identity and checkpoint need, its event id ({@link EventIdentity#id}), computed
 * on the reading thread, and when the read that completed it returned (the listener's monotonic clock), from which
 * the listener's own share of the event's latency is measured. No parsed tree: a queued event costs about its size.
 */
public record CapturedEvent(byte[] json, EventIdentity identity, String id, long readNanos) {}
