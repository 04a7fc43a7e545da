import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { i18n, t } from './i18n.js'
import { makeRouter } from './router.js'
import { setUnauthenticatedHandler } from './api.js'
import { useSession } from './stores/session.js'
import { toastError } from './util/notify.js'
import './styles.css'

const app = createApp(App)
const pinia = createPinia()
const router = makeRouter()
app.use(pinia).use(i18n).use(router)

// An expired or ended session: back to the login page, and after it to where the user was.
let redirecting = false
setUnauthenticatedHandler(() => {
  const session = useSession(pinia)
  session.forget()
  const current = router.currentRoute.value
  if (redirecting || current.meta.public) return
  redirecting = true
  router.replace({ name: 'login', query: { next: current.fullPath, reason: 'expired' } }).finally(() => {
    redirecting = false
  })
})

// Nothing fails silently: an unexpected error is shown, the page stays.
app.config.errorHandler = (err) => {
  console.error(err)
  toastError(err)
}
window.addEventListener('unhandledrejection', (e) => {
  if (e.reason && e.reason.status === 401) return
  toastError(e.reason || t('errors.generic'))
})
router.onError((err) => {
  // A chunk that fails to load (connection lost, or a new build replaced it).
  toastError(err && /fetch|import/i.test(String(err.message)) ? t('errors.network') : err)
})

app.mount('#app')
