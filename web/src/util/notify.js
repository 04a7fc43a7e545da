// Messages and confirmations outside templates (the resolver only sees template tags). Element
// Plus's message box pulls in buttons and inputs: it is loaded the first time it is needed, so the
// first page does not carry it.
function load() {
  return Promise.all([
    import('element-plus/es/components/message/index.mjs'),
    import('element-plus/es/components/message-box/index.mjs'),
    import('element-plus/es/components/message/style/css'),
    import('element-plus/es/components/message-box/style/css'),
  ]).then(([m, b]) => ({ ElMessage: m.ElMessage, ElMessageBox: b.ElMessageBox }))
}

export function toastError(e) {
  const message = e && e.message ? e.message : String(e)
  load()
    .then(({ ElMessage }) => ElMessage({ type: 'error', message, showClose: true, duration: 6000 }))
    .catch(() => window.alert(message)) // even the message box could not load: the connection is gone
}
export function toastOk(message) {
  load().then(({ ElMessage }) => ElMessage({ type: 'success', message }))
}
export async function confirmBox(message, title) {
  const { ElMessageBox } = await load()
  return ElMessageBox.confirm(message, title, { type: 'warning' })
}
export async function promptBox(message, title) {
  const { ElMessageBox } = await load()
  const { value } = await ElMessageBox.prompt(message, title)
  return value
}
