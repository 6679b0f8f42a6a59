// Whether a client's uplink RTP reaches JavaScript at all (docs/media.md "Idle uplinks").
//
// A muted browser keeps sending: Opus DTX every ~400 ms. node-datachannel hands every received packet
// to the main thread through its own thread-safe function, and libuv then scans every async handle
// of the process (several per session) to find the one that fired: with 200 sessions that wake-up
// cost ~50 µs per packet, whatever JS does with it afterwards. A session with no `send` loop has no
// use for its uplink, so the edge drops it natively: libdatachannel's Track::incoming discards RTP
// (not RTCP) when the track's own direction is sendonly. Changing that direction is local only (the
// negotiated SDP stays sendrecv, the client keeps sending, nothing is renegotiated): re-adding the
// track's description under the same mid replaces the description of the existing track.
//
// Each change returns another JS wrapper of the same native track; a collected wrapper would close
// the track, so every one is held until the session ends, and changes are bounded per session
// (beyond, the uplink simply stays open: correct, only dearer). Every wrapper also adds a libuv
// async handle that each later wake-up scans, so the uplink is closed only once it pays: after
// `CLOSE_AFTER_PACKETS` unwanted packets (a client that sends nothing, or is armed right after
// connecting, never costs a switch). Each wrapper also owns one ref'd
// thread-safe function that only the track's one 'closed' event (taken by the first wrapper) or
// garbage collection releases: a closed session's extra wrappers go at the next major GC, so a
// process that switched uplinks ends with process.exit() (as the server does), not by running dry.
import type { Direction } from 'node-datachannel';
import type { Audio, PeerConnection, Track } from '../webrtc-native.js';

/** Direction changes per session before the uplink stays open for good (an operator re-arms a few times a shift). */
export const MAX_UPLINK_SWITCHES = 64;
/** Unwanted uplink packets delivered before the edge drops the uplink natively (~2 s of a muted track's DTX). */
export const CLOSE_AFTER_PACKETS = 10;

export class UplinkSwitch {
  private openNow = true;
  private wanted = true;
  /** Set once the offer is final: before, the track's description is what gets negotiated. */
  private armed = false;
  private readonly wrappers: Track[] = [];
  private unwantedPackets = 0;

  constructor(
    private readonly pc: PeerConnection,
    private readonly describe: (direction: Direction) => Audio,
  ) {}

  /** Whether uplink RTP is delivered now (RTCP always is). */
  get open(): boolean {
    return this.openNow;
  }

  /** Direction changes made so far. */
  get switches(): number {
    return this.wrappers.length;
  }

  /** Whether uplink packets are wanted now (they may still arrive for a while after `want(false)`). */
  get wantedNow(): boolean {
    return this.wanted;
  }

  /** Asks for the uplink (true: from the next packet on) or lets the edge drop it (false: once it pays). */
  want(open: boolean): void {
    this.wanted = open;
    this.unwantedPackets = 0;
    if (open) this.apply();
  }

  /** One uplink packet arrived while not wanted: after a few, the edge stops delivering them. */
  unwanted(): void {
    if (++this.unwantedPackets >= CLOSE_AFTER_PACKETS) this.apply();
  }

  /** The local description is final (offer created): the direction may change from now on. */
  arm(): void {
    this.armed = true;
  }

  private apply(): void {
    if (!this.armed || this.wanted === this.openNow) return;
    if (!this.wanted && this.wrappers.length >= MAX_UPLINK_SWITCHES - 1) return;
    this.wrappers.push(this.pc.addTrack(this.describe(this.wanted ? 'SendRecv' : 'SendOnly')));
    this.openNow = this.wanted;
  }
}
