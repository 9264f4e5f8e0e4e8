// Starts Swagger UI on /api/1/docs/. A file of its own rather than an inline script, so the
// page's policy can be script-src 'self'. The bundle (served from /static/swagger-ui/) is a
// classic script that defines window.SwaggerUIBundle before this module runs.
const root = document.getElementById("swagger-ui");

window.SwaggerUIBundle({
  url: root.dataset.schemaUrl,
  domNode: root,
  deepLinking: true,
  // Never send our description to a third party's validator.
  validatorUrl: null,
  showExtensions: true,
  showCommonExtensions: true,
});
