/**
 * The alarm tone, made with WebAudio (no sound files): two short beeps,
 * repeated while something is ringing. Muting is remembered per browser.
 */
export class Ringer {
  #context: AudioContext | undefined
  #timer: ReturnType<typeof setInterval> | undefined
  readonly #key: string

  constructor(key = 'care.muted') {
    this.#key = key
  }

  get muted(): boolean {
    return localStorage.getItem(this.#key) === '1'
  }

  set muted(value: boolean) {
    localStorage.setItem(this.#key, value ? '1' : '0')
    if (value) this.#silence()
  }

  get ringing(): boolean {
    return this.#timer !== undefined
  }

  start(): void {
    if (this.#timer !== undefined) return
    this.#beep()
    this.#timer = setInterval(() => this.#beep(), 1500)
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
    this.#silence()
  }

  #silence(): void {
    void this.#context?.suspend().catch(() => undefined)
  }

  #beep(): void {
    if (this.muted) return
    try {
      this.#context ??= new AudioContext()
      const ctx = this.#context
      void ctx.resume().catch(() => undefined)
      for (const offset of [0, 0.3]) {
        const osc = ctx.createOscillator()
        const gain = ctx.createGain()
        osc.type = 'square'
        osc.frequency.value = 880
        gain.gain.setValueAtTime(0.0001, ctx.currentTime + offset)
        gain.gain.exponentialRampToValueAtTime(0.2, ctx.currentTime + offset + 0.02)
        gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + offset + 0.2)
        osc.connect(gain).connect(ctx.destination)
        osc.start(ctx.currentTime + offset)
        osc.stop(ctx.currentTime + offset + 0.22)
      }
    } catch (error) {
      console.warn('alarm tone unavailable', error)
    }
  }
}
