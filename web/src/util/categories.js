import { api } from '../api.js'

let cached = null
/** The active order categories (cached for the page's life; they change rarely). */
export async function loadCategories(force = false) {
  if (!cached || force) {
    cached = api.get('/api/v1/order-categories').then((r) => r.items)
    cached.catch(() => {
      cached = null
    })
  }
  return cached
}
