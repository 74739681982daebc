package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The engine's {@code since} is Unix seconds with a nanosecond fraction, in ASCII digits whatever the process's
 * locale: formatted with the default one, a host whose locale writes other digits ({@code LANG=th_TH} with Thai
 * digits, {@code fa_IR}, {@code ar_EG}) asked the engine for Thai or Persian digits, which it refused: the listener
 * reconnected for ever without capturing anything.
 */
class SinceParameterTest {
    @Test
    void theSinceParameterIsInAsciiDigitsWhateverTheLocale() {
        Locale before = Locale.getDefault();
        try {
            for (String tag : new String[] {"th-TH-u-nu-thai", "fa-IR", "ar-EG", "en-US"}) {
                Locale.setDefault(Locale.forLanguageTag(tag));
                assertThat(CaptureLoop.sinceParameter(1_795_000_000_123_456_789L)).as(tag)
                        .isEqualTo("1795000000.123456789");
                assertThat(CaptureLoop.sinceParameter(-1L)).as("%s, before the epoch", tag)
                        .isEqualTo("-1.999999999");
            }
        } finally {
            Locale.setDefault(before);
        }
    }
}
