// Who talked when: one lane per loop, one bar per talk (colour per user), time marks in UTC and the
// player's position. A bar is a button: it plays the mix from that talk.
import type { JSX } from 'preact';
import type { History, Search } from '../history.js';
import { clock, duration, lanes, ticks, userHue } from '../timeline.js';
import { playhead } from './player-control.js';

export function Timeline({ history, search, onPick }: { history: History; search: Search; onPick: (ms: number) => void }): JSX.Element {
  const names = new Map(history.loops.value.map((l) => [l.id, l.name]));
  const rows = lanes(history.talks.value, search.loops, search.from, search.to);
  const marks = ticks(search.from, search.to, 6);
  const at = playhead.value;
  const headLeft = at === undefined || at < search.from || at > search.to ? undefined : ((at - search.from) / (search.to - search.from)) * 100;
  return (
    <section class="timeline panel" aria-label="Timeline of who talked when" data-testid="timeline">
      <div class="timeline-head">
        <h2>Timeline</h2>
        <span class="muted">
          {clock(search.from)} – {clock(search.to)} UTC · {history.talks.value.length} talks
        </span>
      </div>
      <div class="timeline-grid">
        <div class="timeline-axis" aria-hidden="true">
          {marks.map((m) => (
            <span key={m.at} class="tick" style={{ left: `${m.left}%` }}>
              {m.label}
            </span>
          ))}
        </div>
        {rows.map((lane) => (
          <div key={lane.loop} class="lane" data-loop={lane.loop}>
            <div class="lane-name">{names.get(lane.loop) ?? lane.loop}</div>
            <div class="lane-track">
              {marks.map((m) => (
                <span key={m.at} class="gridline" style={{ left: `${m.left}%` }} aria-hidden="true" />
              ))}
              {lane.bars.map((bar) => (
                <button
                  key={bar.talk.id}
                  type="button"
                  class="talk-bar"
                  data-user={bar.talk.user}
                  style={{ left: `${bar.left}%`, width: `${bar.width}%`, '--hue': String(userHue(bar.talk.user)) }}
                  title={`${bar.talk.user} (${bar.talk.role}) ${clock(bar.talk.start)}–${clock(bar.talk.end)} UTC, ${duration(bar.talk.end - bar.talk.start)}`}
                  aria-label={`${bar.talk.user} on ${names.get(lane.loop) ?? lane.loop} at ${clock(bar.talk.start)} UTC for ${duration(bar.talk.end - bar.talk.start)}: play`}
                  onClick={() => onPick(bar.talk.start)}
                >
                  <span class="talk-user">{bar.talk.user}</span>
                </button>
              ))}
              {headLeft !== undefined ? <span class="playhead" style={{ left: `${headLeft}%` }} aria-hidden="true" /> : null}
            </div>
          </div>
        ))}
      </div>
    </section>
  );
}
