import { api } from '../api.js'
import { i18n } from '../i18n.js'

let cached = null
/** The care tags (built-in and the communities' own), cached for the page's life. */
export function loadTags() {
  if (!cached) {
    cached = api.get('/api/v1/tags').then((r) => r.items)
    cached.catch(() => {
      cached = null
    })
  }
  return cached
}

/** A tag's name in the current language; its code when the list does not know it. */
export function tagLabel(tags, code) {
  const d = (tags || []).find((x) => x.code === code)
  if (!d) return code
  return i18n.global.locale.value === 'en' ? d.name_en || d.name : d.name
}
