// The HTTP API at this origin. Every request carries "Authorization: Bearer <token>" when a token is set.

export class ApiError extends Error {
  /** status 0 means the server could not be reached. */
  constructor(message, status) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

export function createApi(getToken) {
  async function request(method, path, body) {
    const headers = { Accept: "application/json" };
    const token = getToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "same-origin",
      });
    } catch (error) {
      throw new ApiError(String(error?.message || error), 0);
    }
    let payload = null;
    try {
      payload = await response.json();
    } catch {
      payload = null;
    }
    if (!response.ok || payload?.status === "error") {
      const message = payload?.message || `HTTP ${response.status} ${response.statusText}`.trim();
      throw new ApiError(message, response.status);
    }
    return payload;
  }

  return {
    save: (fileName, text, userId) =>
      request("POST", "/api/ocr/save/", { file_name: fileName, ocr_content: text, user_id: userId }),
    status: (id) => request("GET", `/api/ocr/documents/${id}/status/`).then((answer) => answer.data),
    document: (id) => request("GET", `/api/ocr/documents/${id}/`).then((answer) => answer.data),
    list: (userId, page, pageSize) =>
      request("GET", `/api/ocr/documents/?user_id=${userId}&page=${page}&page_size=${pageSize}`),
    retry: (id) => request("POST", `/api/ocr/documents/${id}/retry/`),
  };
}
