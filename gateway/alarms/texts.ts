import type { NotifyMessage } from '../../kernel/contract/payloads.ts'

export const locales = ['zh-CN', 'en'] as const
export type Locale = (typeof locales)[number]

type NotifyState = NotifyMessage['state']

interface TextArgs {
  carerName?: string
  etaMin?: number
}

/** Whole minutes as an elder hears them: never "0 minutes". */
function minutes(etaMin: number | undefined): number {
  return Math.max(1, Math.ceil(etaMin ?? 1))
}

/** The sentences elders hear, in the words of the field (see the glossary). */
const texts: Record<Locale, Record<NotifyState, (a: TextArgs) => string>> = {
  'zh-CN': {
    received: () => '已收到求助，正在为您联系服务人员',
    assigned: (a) => `服务人员${a.carerName ?? ''}正在赶来，预计${minutes(a.etaMin)}分钟到达`,
    arrived: (a) => `服务人员${a.carerName ?? ''}已到达`,
    resolved: () => '本次求助已办结，祝您平安',
    cancelled: () => '求助已取消',
    test_ok: () => '测试成功，设备工作正常',
  },
  en: {
    received: () => 'Help request received; contacting a carer for you.',
    assigned: (a) => {
      const m = minutes(a.etaMin)
      return `Carer ${a.carerName ?? ''} is on the way, about ${m} ${m === 1 ? 'minute' : 'minutes'}.`
    },
    arrived: (a) => (a.carerName ? `Carer ${a.carerName} has arrived.` : 'The carer has arrived.'),
    resolved: () => 'Your help request is closed. Stay safe.',
    cancelled: () => 'Help request cancelled.',
    test_ok: () => 'Test press received; the device works.',
  },
}

export function notifyText(locale: Locale, state: NotifyState, args: TextArgs = {}): string {
  return texts[locale][state](args)
}
