import { createI18n } from 'vue-i18n'
import zhCN from './locales/zh-CN.js'
import en from './locales/en.js'

const KEY = 'linli.lang'

function initialLocale() {
  try {
    const saved = localStorage.getItem(KEY)
    if (saved === 'en' || saved === 'zh-CN') return saved
  } catch {
    // storage blocked: the default
  }
  return 'zh-CN' // Simplified Chinese first, English a click away
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
})

export function setLocale(locale) {
  i18n.global.locale.value = locale
  document.documentElement.lang = locale
  try {
    localStorage.setItem(KEY, locale)
  } catch {
    // not remembered: fine
  }
}

export function toggleLocale() {
  setLocale(i18n.global.locale.value === 'en' ? 'zh-CN' : 'en')
}

export const t = (...args) => i18n.global.t(...args)
