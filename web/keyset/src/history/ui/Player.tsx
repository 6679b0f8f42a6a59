// The mix of the searched loops in an <audio> element (a signed, seekable Ogg Opus link: the browser
// fetches byte ranges as it seeks), and the exports of the searched range as Ogg Opus or WAV.
import type { JSX, RefObject } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { Format, History } from '../history.js';
import { clock, duration } from '../timeline.js';
import { playhead, type PlayerControl } from './player-control.js';

function download(uri: string, name: string): void {
  const a = document.createElement('a');
  a.href = uri;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
}

export function Player({ history, control }: { history: History; control: RefObject<PlayerControl | null> }): JSX.Element {
  const audio = useRef<HTMLAudioElement>(null);
  const mix = history.mix.value;
  const searched = history.searched.value;

  useEffect(() => {
    playhead.value = undefined;
    control.current = {
      seek: (ms) => {
        const el = audio.current;
        if (!el || !mix || ms < mix.from || ms > mix.to) return;
        el.currentTime = (ms - mix.from) / 1000;
        void el.play().catch(() => undefined);
      },
    };
  }, [mix, control]);

  const exportAs = async (format: Format) => {
    if (!searched) return;
    const uri = await history.exportLink(format);
    if (uri) download(uri, `loopcast-${searched.loops.join('+')}-${new Date(searched.from).toISOString().slice(0, 19).replace(/:/g, '')}Z.${format === 'wav' ? 'wav' : 'opus'}`);
  };

  return (
    <section class="player panel" aria-label="Player">
      <div class="player-head">
        <h2>Mix</h2>
        {mix ? (
          <span class="muted">
            {clock(mix.from)} – {clock(mix.to)} UTC ({duration(mix.to - mix.from)})
          </span>
        ) : (
          <span class="muted">Nothing to play</span>
        )}
      </div>
      {mix ? (
        <audio
          ref={audio}
          class="player-audio"
          data-testid="mix-player"
          controls
          preload="auto"
          src={mix.uri}
          onTimeUpdate={(e) => (playhead.value = mix.from + e.currentTarget.currentTime * 1000)}
          onSeeked={(e) => (playhead.value = mix.from + e.currentTarget.currentTime * 1000)}
        />
      ) : null}
      <div class="player-export">
        <span class="muted">Export the searched range</span>
        <button type="button" class="secondary small" data-testid="export-opus" disabled={history.busy.value} onClick={() => void exportAs('opus')}>
          Ogg Opus
        </button>
        <button type="button" class="secondary small" data-testid="export-wav" disabled={history.busy.value} onClick={() => void exportAs('wav')}>
          WAV
        </button>
      </div>
    </section>
  );
}
